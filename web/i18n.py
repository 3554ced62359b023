"""Every text of the pages, in Chinese (the default) and English: one catalogue (the frame, sign-in,
the form and the application page here; the rest of the applicants' pages in web/texts_people.py,
the staff's in web/texts_staff.py).

Bundle names, descriptions and field labels come from the API (LocalizedText). The API gives
departments, actions, results and choice options as ids only, so their names are here, keyed by
those ids (tests/unit/test_web_i18n.py checks they cover the shipped bundle data); an id the
catalogue does not know is shown as it is.
"""
from __future__ import annotations

import logging
from typing import Any

from web.texts_people import PEOPLE_TEXTS
from web.texts_practices import PRACTICE_TEXTS
from web.texts_staff import STAFF_TEXTS

log = logging.getLogger(__name__)

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
HTML_LANG = {"zh": "zh-CN", "en": "en"}
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}

MESSAGES: dict[str, dict[str, str]] = {
    # frame of every page
    "service.name": {"zh": "一件事一次办", "en": "Life events, one application"},
    "skip_link": {"zh": "跳到主要内容", "en": "Skip to main content"},
    "nav.label": {"zh": "主菜单", "en": "Main menu"},
    "nav.home": {"zh": "首页", "en": "Home"},
    "nav.my_applications": {"zh": "我的申请", "en": "My applications"},
    "nav.delegations": {"zh": "委托代办", "en": "Delegations"},
    "nav.data_access": {"zh": "谁查看了我的信息", "en": "Who looked at my data"},
    "nav.cases": {"zh": "办件", "en": "Cases"},
    "nav.operations": {"zh": "运维看板", "en": "Operations"},
    "nav.sign_in": {"zh": "登录", "en": "Sign in"},
    "nav.sign_out": {"zh": "退出登录", "en": "Sign out"},
    "nav.language": {"zh": "语言", "en": "Language"},
    "signed_in_as": {"zh": "已登录：{who}", "en": "Signed in: {who}"},
    "footer.development": {"zh": "开发环境：演示数据，开发用登录。", "en": "Development environment: demo data, development sign-in."},
    "footer.production": {"zh": "一件事一次办", "en": "Life events, one application"},
    "role.citizen": {"zh": "居民", "en": "citizen"},
    "role.agent": {"zh": "帮办代办员", "en": "service-centre agent"},
    "role.officer": {"zh": "工作人员（{department}）", "en": "officer ({department})"},
    "role.officer_plain": {"zh": "工作人员", "en": "officer"},
    "role.operator": {"zh": "运维人员", "en": "operator"},
    "role.admin": {"zh": "管理员", "en": "administrator"},
    "role.hospital": {"zh": "医院", "en": "hospital"},
    "role.service": {"zh": "系统服务", "en": "service"},
    "notice.label": {"zh": "提示", "en": "Important"},
    # home
    "home.title": {"zh": "选择要办理的事项", "en": "Choose a life event"},
    "home.lead": {"zh": "一张表，一次提交，各部门并联办理。",
                  "en": "One form, submitted once: every department involved works on it in parallel."},
    "home.departments": {"zh": "涉及部门：{departments}", "en": "Departments: {departments}"},
    "home.steps": {"zh": "{count} 个办理环节，承诺 {limit} 内办结", "en": "{count} steps, promised within {limit}"},
    "home.start": {"zh": "申请{bundle}", "en": "Apply: {bundle}"},
    "home.staff.officer": {"zh": "您以工作人员身份登录：请到“办件”查看本部门的申请。",
                           "en": "You are signed in as an officer: your department's applications are under Cases."},
    "home.staff.operator": {"zh": "您以运维人员身份登录：请到“运维看板”。",
                            "en": "You are signed in as an operator: see Operations."},
    "home.staff.admin": {"zh": "您以管理员身份登录：请到“运维看板”。",
                         "en": "You are signed in as an administrator: see Operations."},
    "duration.days": {"zh": "{n} 天", "en": "{n} days"},
    "duration.hours": {"zh": "{n} 小时", "en": "{n} hours"},
    "duration.minutes": {"zh": "{n} 分钟", "en": "{n} minutes"},
    "list.separator": {"zh": "、", "en": ", "},
    # sign-in (development identity provider)
    "sign_in.title": {"zh": "登录", "en": "Sign in"},
    "sign_in.development": {"zh": "这是开发环境的登录：选择一位演示人员、输入身份证号，或选择工作人员角色。",
                            "en": "This is the development sign-in: choose a demo person, type a resident ID, or choose a staff role."},
    "sign_in.person.legend": {"zh": "以演示人员身份登录", "en": "Sign in as a demo person"},
    "sign_in.person.hint": {"zh": "这些人员在演示登记数据中。为保护隐私，姓名和证件号部分隐藏。",
                            "en": "These people are in the demo registers. Names and ID numbers are partly hidden."},
    "sign_in.person.button": {"zh": "以所选人员登录", "en": "Sign in as this person"},
    "sign_in.resident_id.heading": {"zh": "输入身份证号登录", "en": "Sign in with a resident ID"},
    "sign_in.resident_id.label": {"zh": "身份证号", "en": "Resident ID"},
    "sign_in.resident_id.button": {"zh": "以此身份证号登录", "en": "Sign in with this ID"},
    "sign_in.staff.legend": {"zh": "工作人员角色", "en": "Staff role"},
    "sign_in.staff.officer": {"zh": "部门工作人员", "en": "Officer"},
    "sign_in.staff.operator": {"zh": "运维人员", "en": "Operator"},
    "sign_in.staff.admin": {"zh": "管理员", "en": "Administrator"},
    "sign_in.staff.department": {"zh": "部门（仅工作人员）", "en": "Department (officers only)"},
    "sign_in.staff.button": {"zh": "以工作人员身份登录", "en": "Sign in as staff"},
    "sign_in.expired": {"zh": "登录已过期（有效期 1 小时），请重新登录。", "en": "Your session has ended (they last one hour). Sign in again."},
    "sign_in.needed": {"zh": "请先登录。", "en": "Sign in to continue."},
    "sign_in.refused": {"zh": "服务不接受您的登录凭证，请重新登录。", "en": "The service did not accept your sign-in. Sign in again."},
    "sign_in.signed_out": {"zh": "您已退出登录。", "en": "You have signed out."},
    "sign_in.error.person": {"zh": "请选择一位演示人员", "en": "Select a person"},
    "sign_in.error.resident_id": {"zh": "请输入有效的 18 位身份证号", "en": "Enter a valid 18-character resident ID"},
    "sign_in.error.role": {"zh": "请选择工作人员角色", "en": "Select a staff role"},
    "sign_in.error.department": {"zh": "请选择工作人员所在部门", "en": "Select the officer's department"},
    "department.front_desk": {"zh": "综合窗口（前台受理）", "en": "Front desk (one window)"},
    "production.title": {"zh": "需要配置身份认证服务", "en": "An identity provider must be configured"},
    "production.body": {"zh": "生产环境不提供开发用登录。请为本服务配置身份认证服务后再登录。",
                        "en": "The development sign-in is off in production. Configure an identity provider for this service to sign in."},
    # the combined form
    "form.title": {"zh": "{bundle}申请表", "en": "{bundle}: application form"},
    "form.lead": {"zh": "一张表包含各部门需要的全部信息，每项只填一次。",
                  "en": "One form holds everything every department needs; each item is asked once."},
    "form.counts": {"zh": "需填写 {asked} 项；{looked_up} 项登记机关已掌握。",
                    "en": "{asked} items to fill in; {looked_up} already known to the registers."},
    "form.required": {"zh": "（必填）", "en": "(required)"},
    "form.optional": {"zh": "（选填）", "en": "(optional)"},
    "form.known": {"zh": "已掌握", "en": "already known"},
    "form.suggested_hint": {"zh": "可以不填：不填时使用{department}登记的信息作为默认值；也可以填写其他内容，以您填写的为准。",
                            "en": "You may leave it out: what {department} holds is used as the default. You may enter something else instead."},
    "form.known_hint": {"zh": "已掌握：来自{department}。可以不填；如果填写，须与登记信息一致。",
                        "en": "Already known — from {department}. You may leave it out; what you enter is used instead."},
    "form.choose": {"zh": "请选择", "en": "Choose"},
    "form.submit": {"zh": "提交申请", "en": "Submit application"},
    "hint.date": {"zh": "例如 2026-11-18", "en": "For example, 2026-11-18"},
    "hint.resident_id": {"zh": "18 位，最后一位可能是 X", "en": "18 characters; the last may be X"},
    "hint.phone": {"zh": "11 位手机号码，例如 13805320001", "en": "An 11-digit mobile number, for example 13805320001"},
    "hint.credit_code": {"zh": "18 位统一社会信用代码", "en": "The 18-character unified social credit code"},
    "hint.amount": {"zh": "整数，单位：元", "en": "A whole number of yuan"},
    "hint.number": {"zh": "{minimum} 到 {maximum} 之间的数字，可以有小数，例如 25 或 25.5",
                    "en": "A number from {minimum} to {maximum}; it may have a decimal point, like 25 or 25.5"},
    # errors at fields (GOV.UK pattern)
    "error.summary": {"zh": "存在问题", "en": "There is a problem"},
    "error.title_prefix": {"zh": "错误：", "en": "Error: "},
    "error.prefix": {"zh": "错误：", "en": "Error:"},
    "error.required": {"zh": "请填写{label}", "en": "Enter {label}"},
    "error.required_choice": {"zh": "请选择{label}", "en": "Select {label}"},
    "error.date_format": {"zh": "{label}应为日期，格式为 年-月-日，例如 2026-11-18",
                          "en": "{label} must be a date written YYYY-MM-DD, like 2026-11-18"},
    "error.date_future": {"zh": "{label}不能晚于今天", "en": "{label} must be today or in the past"},
    "error.resident_id": {"zh": "{label}不是有效的身份证号（18 位，末位校验码须正确）",
                          "en": "{label} is not a valid resident ID (18 characters with a correct check character)"},
    "error.credit_code": {"zh": "{label}不是有效的统一社会信用代码", "en": "{label} is not a valid unified social credit code"},
    "error.phone": {"zh": "{label}应为 11 位手机号码，以 13 至 19 开头",
                    "en": "{label} must be an 11-digit mobile number starting 13 to 19"},
    "error.amount": {"zh": "{label}应为 {minimum} 到 {maximum} 之间的整数（元）",
                     "en": "{label} must be a whole number of yuan from {minimum} to {maximum}"},
    "error.number": {"zh": "{label}应为 {minimum} 到 {maximum} 之间的数字，只用数字 0-9 和小数点",
                     "en": "{label} must be a number from {minimum} to {maximum}, written with the digits 0-9 and a decimal point"},
    "error.choice": {"zh": "请从选项中选择{label}", "en": "Select {label} from the options"},
    "error.too_long": {"zh": "{label}不能超过 {max_length} 个字", "en": "{label} must be {max_length} characters or fewer"},
    "error.lookup_missing": {"zh": "{department}没有此项的登记，请填写{label}",
                             "en": "{department} holds no record of this; enter {label}"},
    "error.lookup_differs": {"zh": "{label}与{department}登记的信息不一致。可以不填，以登记信息为准",
                             "en": "{label} differs from what {department} holds. Leave it out to use the register's"},
    "error.lookup_unconfirmed": {"zh": "{department}没有相关登记，无法核实{label}",
                                 "en": "{department} holds no record of it, so {label} cannot be confirmed"},
    "error.lookup_invalid": {"zh": "{department}登记的{label}在此不适用，请联系{department}",
                             "en": "What {department} holds as {label} cannot be used here; ask {department}"},
    "error.not_principal": {"zh": "只有{label}所指的本人，或其委托的代办人，才能提交此申请",
                            "en": "Only the person given as {label}, or their agent, can submit this application"},
    "error.lookup_unavailable": {"zh": "暂时无法查询{department}，请填写{label}",
                                 "en": "{department} could not be asked just now; enter {label}"},
    # the application page
    "application.title": {"zh": "{bundle}：申请进度", "en": "{bundle}: your application"},
    "application.reference": {"zh": "申请编号", "en": "Application number"},
    "application.status": {"zh": "状态", "en": "Status"},
    "application.submitted_at": {"zh": "提交时间", "en": "Submitted"},
    "application.settled_at": {"zh": "办结时间", "en": "Finished"},
    "application.steps": {"zh": "办理环节", "en": "Steps"},
    "application.step": {"zh": "事项", "en": "Step"},
    "application.department": {"zh": "部门", "en": "Department"},
    "application.result": {"zh": "办理结果", "en": "Result"},
    "application.reason": {"zh": "原因：{reason}", "en": "Reason: {reason}"},
    "application.with_officer_since": {"zh": "自 {time} 起由工作人员审核", "en": "With an officer since {time}"},
    "application.decided_by": {"zh": "决定人：工作人员 {officer}", "en": "Decided by officer {officer}"},
    "application.returned_inputs": {"zh": "需要补正的信息", "en": "What to correct"},
    "application.reasons": {"zh": "原因", "en": "Reasons"},
    "application.due": {"zh": "承诺 {time} 前办结", "en": "Due by {time}"},
    "application.overdue": {"zh": "已超过承诺时限（自 {time}）", "en": "Overdue since {time}"},
    "application.settled": {"zh": "{time} 办结", "en": "Finished {time}"},
    "application.waits_until": {"zh": "公示至 {time}", "en": "Notice period until {time}"},
    "application.looked_up": {"zh": "以下信息由登记机关提供：{items}", "en": "Taken from the registers: {items}"},
    "application.refresh": {"zh": "刷新进度", "en": "Refresh progress"},
    "application.updated_at": {"zh": "更新于 {time}（北京时间）", "en": "As of {time} (Beijing time)"},
    "application.times_note": {"zh": "时间均为北京时间。", "en": "Times are Beijing time."},
    "status.application.IN_PROGRESS": {"zh": "办理中", "en": "In progress"},
    "status.application.COMPLETED": {"zh": "已办结", "en": "Completed"},
    "status.application.REJECTED": {"zh": "未获通过", "en": "Rejected"},
    "status.application.COMPENSATING": {"zh": "正在撤回已办事项", "en": "Undoing completed steps"},
    "status.application.FAILED": {"zh": "办理出错", "en": "Failed"},
    "status.application.OFFERED": {"zh": "待您确认", "en": "Offered: waiting for you to confirm"},
    "status.application.DECLINED": {"zh": "已谢绝", "en": "Declined"},
    "status.application.EXPIRED": {"zh": "已过确认期限", "en": "Expired: not confirmed in time"},
    "status.application.REVOKED": {"zh": "已撤销（承诺不实）", "en": "Revoked: a commitment was found false"},
    "status.application.AWAITING_ACCEPTANCE": {"zh": "待窗口受理", "en": "Waiting for the front desk"},
    "status.application.RETURNED": {"zh": "退回补正（时限暂停）", "en": "Returned for correction (time limit paused)"},
    "status.application.WITHDRAWN": {"zh": "已撤回", "en": "Withdrawn"},
    # Rating (好差评): the five levels of lifeevents.v1.RatingLevel.
    "rating.VERY_SATISFIED": {"zh": "非常满意", "en": "Very satisfied"},
    "rating.SATISFIED": {"zh": "满意", "en": "Satisfied"},
    "rating.BASICALLY_SATISFIED": {"zh": "基本满意", "en": "Basically satisfied"},
    "rating.DISSATISFIED": {"zh": "不满意", "en": "Dissatisfied"},
    "rating.VERY_DISSATISFIED": {"zh": "非常不满意", "en": "Very dissatisfied"},
    "status.step.PENDING": {"zh": "等待前序环节", "en": "Waiting for earlier steps"},
    "status.step.DISPATCHED": {"zh": "办理中", "en": "In progress"},
    "status.step.COMPLETED": {"zh": "已完成", "en": "Completed"},
    "status.step.REJECTED": {"zh": "未获通过", "en": "Rejected"},
    "status.step.CANCELLED": {"zh": "已取消", "en": "Cancelled"},
    "status.step.WAITING": {"zh": "公示中", "en": "Notice period"},
    "status.step.COMPENSATING": {"zh": "撤回中", "en": "Being undone"},
    "status.step.COMPENSATED": {"zh": "已撤回", "en": "Undone"},
    "status.step.FAILED": {"zh": "出错", "en": "Failed"},
    "status.step.SKIPPED": {"zh": "已跳过", "en": "Skipped"},
    "status.step.WITH_OFFICER": {"zh": "人工审核中", "en": "With an officer"},
    "status.step.RETURNED": {"zh": "退回补正", "en": "Returned for correction"},
    "status.step.AWAITING_MATERIALS": {"zh": "待补交材料（容缺受理）", "en": "Waiting for a promised material"},
    # my applications
    "mine.title": {"zh": "我的申请", "en": "My applications"},
    "mine.note": {"zh": "共 {total} 件，最新的在前。", "en": "{total} in all, newest first."},
    "mine.note_agent": {"zh": "您代办的申请：委托有效期内可以查看。", "en": "The applications you made as an agent: you can follow them while the delegation holds."},
    "mine.empty": {"zh": "还没有申请。", "en": "You have no applications yet."},
    "mine.role": {"zh": "身份", "en": "Your part"},
    "mine.role.principal": {"zh": "本人", "en": "Applicant"},
    "mine.role.agent": {"zh": "代办人", "en": "Agent"},
    "list.next_page": {"zh": "下一页", "en": "Next page"},
    "list.first_page": {"zh": "第一页", "en": "First page"},
    "list.pages": {"zh": "翻页", "en": "Pages"},
    "mine.bundle": {"zh": "事项", "en": "Life event"},
    "mine.status": {"zh": "状态", "en": "Status"},
    "mine.submitted_at": {"zh": "提交时间", "en": "Submitted"},
    # pages for errors
    "page.not_found.title": {"zh": "找不到该页面", "en": "Page not found"},
    "page.not_found.body": {"zh": "如果您输入了网址，请检查是否正确。您只能查看自己的申请。",
                            "en": "If you typed the web address, check it is correct. You can only see your own applications."},
    "page.forbidden.title": {"zh": "您没有办理此事项的权限", "en": "You cannot do this"},
    "page.forbidden.body": {"zh": "以您现在的登录身份不能办理此事项。如有疑问，请联系综合窗口。",
                            "en": "You are not allowed to do this while signed in as you are. Ask at the front desk if you think you should be."},
    "page.unavailable.title": {"zh": "服务暂时不可用", "en": "Sorry, the service is unavailable"},
    "page.unavailable.body": {"zh": "请稍后再试。您填写的内容没有提交。", "en": "Try again shortly. Nothing you entered was submitted."},
    "page.conflict.title": {"zh": "现在无法办理", "en": "This cannot be done now"},
    "page.conflict.body": {"zh": "申请当前的状态不允许此操作。", "en": "The application is not in a state that allows this."},
    "page.failed.title": {"zh": "抱歉，服务出现问题", "en": "Sorry, there is a problem with the service"},
    "page.failed.body": {"zh": "请稍后再试。", "en": "Try again later."},
    "page.csrf.title": {"zh": "表单已过期", "en": "The form has expired"},
    "page.csrf.body": {"zh": "为保护您的信息，此表单不能再提交。请返回，重新打开页面后再提交。",
                       "en": "To protect your information this form cannot be sent again. Go back, reload the page and send it again."},
    "page.home_link": {"zh": "返回首页", "en": "Go to the home page"},
    # names of what the API gives as ids
    "department.health": {"zh": "卫生健康委员会", "en": "Health Commission"},
    "department.civil_registration": {"zh": "公安户籍", "en": "Civil registration (public security)"},
    "department.medical_insurance": {"zh": "医疗保障局", "en": "Medical Insurance Bureau"},
    "department.social_security": {"zh": "人力资源和社会保障局", "en": "Human Resources and Social Security Bureau"},
    "department.market_regulation": {"zh": "市场监督管理局", "en": "Market Regulation Administration"},
    "department.seals": {"zh": "公安印章管理", "en": "Seal management (public security)"},
    "department.tax": {"zh": "税务局", "en": "Tax Bureau"},
    "department.housing_fund": {"zh": "住房公积金管理中心", "en": "Housing Provident Fund Centre"},
    "action.health.issue_birth_certificate": {"zh": "出生医学证明", "en": "Birth medical certificate"},
    "action.health.open_vaccination_record": {"zh": "预防接种证", "en": "Vaccination record"},
    "action.civil_registration.register_birth": {"zh": "出生登记（户口登记）", "en": "Household registration of a newborn"},
    "action.medical_insurance.enrol_newborn": {"zh": "城乡居民医保参保登记", "en": "Resident medical insurance enrolment"},
    "action.medical_insurance.register_employer": {"zh": "单位医保登记", "en": "Employer medical insurance registration"},
    "action.medical_insurance.close_employer": {"zh": "单位医保账户注销", "en": "Employer medical insurance account closing"},
    "action.medical_insurance.reopen_employer": {"zh": "单位医保账户恢复", "en": "Employer medical insurance account reopening"},
    "action.medical_insurance.grant_retiree_status": {"zh": "退休人员医保待遇", "en": "Retiree medical insurance status"},
    "action.social_security.apply_card": {"zh": "社会保障卡申领", "en": "Social security card application"},
    "action.social_security.register_employer": {"zh": "单位社保登记", "en": "Employer social insurance registration"},
    "action.social_security.close_employer": {"zh": "单位社保账户注销", "en": "Employer social insurance account closing"},
    "action.social_security.reopen_employer": {"zh": "单位社保账户恢复", "en": "Employer social insurance account reopening"},
    "action.social_security.approve_retirement": {"zh": "退休审批及养老金核定", "en": "Retirement approval and pension entitlement"},
    "action.social_security.start_pension": {"zh": "养老金发放", "en": "Pension payment start"},
    "action.market_regulation.register_business": {"zh": "企业设立登记", "en": "Business registration and licence"},
    "action.market_regulation.publish_deregistration_notice": {"zh": "简易注销公告", "en": "Public notice of simplified deregistration"},
    "action.market_regulation.cancel_registration": {"zh": "注销登记", "en": "Registration cancellation"},
    "action.market_regulation.withdraw_registration": {"zh": "撤销设立登记", "en": "Withdrawal of a registration"},
    "action.market_regulation.restore_registration": {"zh": "恢复登记", "en": "Restoration of a registration"},
    "action.market_regulation.verify_no_debts": {"zh": "无债务承诺核查", "en": "Verification of a commitment of no debts"},
    "action.market_regulation.record_broken_commitment": {"zh": "失信承诺记录", "en": "Record of a broken commitment"},
    "action.seals.engrave_seals": {"zh": "印章刻制", "en": "Official seal engraving"},
    "action.seals.cancel_seals": {"zh": "印章注销", "en": "Seal cancellation"},
    "action.tax.register_taxpayer": {"zh": "税务登记及首次申领发票", "en": "Taxpayer registration and first invoices"},
    "action.tax.clear_tax": {"zh": "清税", "en": "Tax clearance"},
    "action.housing_fund.register_employer": {"zh": "单位公积金缴存登记", "en": "Employer housing fund deposit registration"},
    "action.housing_fund.close_employer": {"zh": "单位公积金账户注销", "en": "Employer housing fund account closing"},
    "action.housing_fund.reopen_employer": {"zh": "单位公积金账户恢复", "en": "Employer housing fund account reopening"},
    "action.housing_fund.withdraw_and_close": {"zh": "退休提取公积金并销户", "en": "Withdrawal and closing of the personal account"},
    "step.notice_period": {"zh": "公示期", "en": "Notice period"},
    "result.birth_certificate_no": {"zh": "出生医学证明编号", "en": "Birth certificate number"},
    "result.vaccination_record_no": {"zh": "预防接种证编号", "en": "Vaccination record number"},
    "result.first_dose_due": {"zh": "首针接种日期", "en": "First dose due"},
    "result.child_id": {"zh": "新生儿身份证号", "en": "Child's resident ID"},
    "result.household_no": {"zh": "户号", "en": "Household number"},
    "result.household_address": {"zh": "户籍地址", "en": "Household address"},
    "result.insured_no": {"zh": "医保号", "en": "Insurance number"},
    "result.coverage_start": {"zh": "参保起始日", "en": "Covered from"},
    "result.card_no": {"zh": "社会保障卡号", "en": "Social security card number"},
    "result.medical_insurance_employer_no": {"zh": "单位医保编号", "en": "Employer medical insurance number"},
    "result.social_insurance_employer_no": {"zh": "单位社保编号", "en": "Employer social insurance number"},
    "result.closed_employer_no": {"zh": "已注销单位编号", "en": "Closed employer number"},
    "result.reopened_employer_no": {"zh": "已恢复单位编号", "en": "Reopened employer number"},
    "result.retiree_since": {"zh": "退休人员医保待遇起始日", "en": "Retiree status from"},
    "result.premiums_due": {"zh": "需缴医保费", "en": "Premiums due"},
    "result.pension_approval_no": {"zh": "养老金核定编号", "en": "Pension approval number"},
    "result.retirement_date": {"zh": "退休日期", "en": "Retirement date"},
    "result.monthly_pension_yuan": {"zh": "月养老金（元）", "en": "Monthly pension (yuan)"},
    "result.contribution_years": {"zh": "缴费年限", "en": "Years of contributions"},
    "result.first_payment_month": {"zh": "首次发放月份", "en": "First payment month"},
    "result.credit_code": {"zh": "统一社会信用代码", "en": "Unified social credit code"},
    "result.licence_no": {"zh": "营业执照编号", "en": "Business licence number"},
    "result.notice_no": {"zh": "公告编号", "en": "Notice number"},
    "result.notice_ends_on": {"zh": "公告截止日", "en": "Notice ends on"},
    "result.cancellation_no": {"zh": "注销登记编号", "en": "Cancellation number"},
    "result.withdrawn_credit_code": {"zh": "已撤销的信用代码", "en": "Withdrawn credit code"},
    "result.restored_credit_code": {"zh": "已恢复的信用代码", "en": "Restored credit code"},
    "result.commitment_holds": {"zh": "承诺属实", "en": "Commitment holds"},
    "result.finding": {"zh": "核查结果", "en": "Finding"},
    "result.record_no": {"zh": "记录编号", "en": "Record number"},
    "result.seal_set_no": {"zh": "印章编号", "en": "Seal set number"},
    "result.seal_count": {"zh": "印章数量", "en": "Number of seals"},
    "result.fee_yuan": {"zh": "费用（元）", "en": "Fee (yuan)"},
    "result.cancelled_seal_set_no": {"zh": "已注销印章编号", "en": "Cancelled seal set number"},
    "result.taxpayer_no": {"zh": "纳税人识别号", "en": "Taxpayer number"},
    "result.invoice_quota_yuan": {"zh": "发票额度（元）", "en": "Invoice quota (yuan)"},
    "result.tax_clearance_no": {"zh": "清税证明编号", "en": "Tax clearance number"},
    "result.housing_fund_account_no": {"zh": "公积金单位账号", "en": "Housing fund account number"},
    "result.closed_account_no": {"zh": "已销户账号", "en": "Closed account number"},
    "result.withdrawn_yuan": {"zh": "提取金额（元）", "en": "Amount withdrawn (yuan)"},
    "result.until": {"zh": "截止", "en": "Until"},
    "option.male": {"zh": "男", "en": "Male"},
    "option.female": {"zh": "女", "en": "Female"},
    "option.managerial_technical": {"zh": "管理、技术岗位", "en": "Managerial or technical post"},
    "option.production": {"zh": "生产岗位", "en": "Production post"},
    "option.special": {"zh": "特殊工种", "en": "Special post type (underground, at height, heat)"},
    "option.limited_company": {"zh": "有限责任公司", "en": "Limited company"},
    "option.sole_proprietorship": {"zh": "个人独资企业", "en": "Sole proprietorship"},
    "option.partnership": {"zh": "合伙企业", "en": "Partnership"},
    "option.business_ended": {"zh": "经营期满或停止经营", "en": "Business ended"},
    "option.shareholders_resolution": {"zh": "股东决议解散", "en": "Shareholders' resolution"},
    "option.merger_or_division": {"zh": "合并或分立", "en": "Merger or division"},
    "option.licence_revoked": {"zh": "营业执照被吊销", "en": "Licence revoked"},
}

for _part in (PEOPLE_TEXTS, STAFF_TEXTS, PRACTICE_TEXTS):
    assert not set(_part) & set(MESSAGES), f"texts defined twice: {sorted(set(_part) & set(MESSAGES))}"
    MESSAGES.update(_part)


class Translator:
    """The texts of one language; `t("key", name=value)` fills {name} placeholders."""

    def __init__(self, language: str):
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE

    def __call__(self, key: str, **params: Any) -> str:
        entry = MESSAGES.get(key)
        if entry is None:
            log.warning("no text for %s", key)
            return key
        return entry[self.language].format(**params) if params else entry[self.language]

    def maybe(self, key: str, fallback: str) -> str:
        """The text for `key` if the catalogue has one, else `fallback` (an id as the API gave it)."""
        entry = MESSAGES.get(key)
        return entry[self.language] if entry else fallback

    def text(self, localized) -> str:
        """A LocalizedText of the API in this language, or the other one if this one is empty."""
        other = "en" if self.language == "zh" else "zh"
        return getattr(localized, self.language, "") or getattr(localized, other, "")

    def department(self, department: str) -> str:
        return self.maybe(f"department.{department}", department)

    def action(self, department: str, action: str, step: str) -> str:
        return self.maybe(f"action.{department}.{action}", self.maybe(f"step.{step}", step.replace("_", " ")))

    def result(self, name: str) -> str:
        return self.maybe(f"result.{name}", name)

    def option(self, value: str) -> str:
        return self.maybe(f"option.{value}", value)

    def join(self, items) -> str:
        return self("list.separator").join(items)

    def duration(self, hours: float) -> str:
        if hours >= 24 and hours % 24 == 0:
            return self("duration.days", n=int(hours // 24))
        if hours >= 1:
            return self("duration.hours", n=round(hours))
        return self("duration.minutes", n=round(hours * 60))

    def item(self, name: str) -> str:
        """An item of a person's data (what a register gives, a form field), by its name."""
        return self.maybe(f"item.{name}", self.maybe(f"result.{name}", name))

    def field_message(self, key: str, label: str, department: str = "", **params: str) -> str:
        """An error message about a field. In English a label inside the sentence starts lower
        case ("Enter mother's name"), one that starts it stays as it is."""
        template = MESSAGES[key][self.language]
        if (self.language == "en" and not template.startswith("{label}") and label[:1].isupper()
                and not label[1:2].isupper()):
            label = label[0].lower() + label[1:]
        return template.format(label=label, department=department, **params)

"""Health commission: birth medical certificates (出生医学证明) and vaccination records (预防接种证)."""
from __future__ import annotations

import datetime as dt

from lifeevents.identifiers import InvalidIdentifier, parse_resident_id
from lifeevents.text import forbidden_character
from services.common.domain import Department, Inputs, InvalidFields, Refusal

# What is due at birth and soon after, per the national immunisation programme.
BIRTH_SCHEDULE = (("HepB", 1, 0), ("BCG", 1, 0), ("HepB", 2, 30))
BIRTH_WEIGHT_GRAMS = (300, 7000)
MAX_HOSPITAL = 100


class Health(Department):
    name = "health"
    actions = ("issue_birth_certificate", "open_vaccination_record")

    def issue_birth_certificate(self, inputs: Inputs, today: dt.date) -> dict:
        mother = inputs.resident_id("mother_id", today)
        birth_date = inputs.date("birth_date")
        child_name = inputs.required("child_name")
        sex = inputs.required("child_sex")
        self.check_birth_date(birth_date, today)
        if mother.sex != "female":
            raise Refusal(f"mother_id {mother.number} belongs to a man (GB 11643 sequence is odd)")
        if (birth_date - mother.birth_date).days < 14 * 365:
            raise Refusal("the mother's birth date makes her younger than 14 at the birth")
        if sex not in ("male", "female"):
            raise Refusal("child_sex is male or female")
        father_id = inputs.optional("father_id")
        if father_id:
            inputs.resident_id("father_id", today)
        existing = self.register.find("birth_certificate", mother_id=mother.number,
                                      birth_date=birth_date.isoformat(), child_name=child_name)
        if existing:
            raise Refusal(f"a birth certificate was already issued for this child: {existing[0]['number']}")
        number = f"Q{birth_date:%y}{self.register.next_number('birth_certificate'):07d}"
        self.register.put("birth_certificate", number, {
            "number": number, "child_name": child_name, "child_sex": sex, "birth_date": birth_date.isoformat(),
            "birth_hospital": inputs.required("birth_hospital"), "mother_id": mother.number,
            "mother_name": inputs.required("mother_name"), "father_id": father_id,
            "father_name": inputs.optional("father_name"), "issued_on": today.isoformat()})
        return {"birth_certificate_no": number}

    def open_vaccination_record(self, inputs: Inputs, today: dt.date) -> dict:
        certificate_no = inputs.required("birth_certificate_no")
        certificate = self.register.get("birth_certificate", certificate_no)
        if certificate is None:
            raise Refusal(f"no birth certificate {certificate_no} in the health register")
        if certificate["child_name"] != inputs.required("child_name"):
            raise Refusal(f"birth certificate {certificate_no} is for {certificate['child_name']}, "
                          f"not {inputs.required('child_name')}")
        if self.register.find("vaccination_record", birth_certificate_no=certificate_no):
            raise Refusal(f"birth certificate {certificate_no} already has a vaccination record")
        birth_date = dt.date.fromisoformat(certificate["birth_date"])
        schedule = [{"vaccine": v, "dose": d, "due_date": (birth_date + dt.timedelta(days=days)).isoformat()}
                    for v, d, days in BIRTH_SCHEDULE]
        number = f"V{birth_date:%y}{self.register.next_number('vaccination_record'):07d}"
        self.register.put("vaccination_record", number, {
            "number": number, "birth_certificate_no": certificate_no, "child_name": certificate["child_name"],
            "contact_phone": inputs.optional("contact_phone"), "schedule": schedule, "opened_on": today.isoformat()})
        first_due = min(dose["due_date"] for dose in schedule)
        return {"vaccination_record_no": number, "first_dose_due": first_due}

    def record_birth(self, mother_id: str, born_at: dt.datetime | None, sex: str, hospital: str, weight_grams: int,
                     recorded_by: str, now: dt.datetime) -> dict:
        """A hospital records a birth: the record, and the event birth_recorded in the outbox, in one
        transaction. The same mother and moment again answers the first record (and no second event).
        InvalidFields naming every bad field."""
        mother, hospital = self.check_birth_record(mother_id, born_at, sex, hospital, weight_grams, now)
        local = born_at.astimezone()  # dated by the department's own time zone, as its `today` is
        with self.register.transaction():
            moment = born_at.astimezone(dt.timezone.utc).isoformat()
            if existing := self.register.find("birth_record", mother_id=mother.number, born_at=moment):
                return existing[0]
            number = f"B{local:%y}{self.register.next_number('birth_record'):07d}"
            record = {"number": number, "mother_id": mother.number, "born_at": moment,
                      "birth_date": local.date().isoformat(), "birth_time": f"{local:%H:%M}", "sex": sex,
                      "hospital": hospital, "birth_weight_grams": weight_grams, "recorded_by": recorded_by}
            payload = {"birth_record_no": number, **{k: record[k] for k in (
                "mother_id", "birth_date", "birth_time", "sex", "hospital", "birth_weight_grams")}}
            record["event_id"], _ = self.outbox.record("birth_recorded", number, payload, now)
            self.register.put("birth_record", number, record)
        return record

    @staticmethod
    def check_birth_record(mother_id: str, born_at: dt.datetime | None, sex: str, hospital: str, weight_grams: int,
                           now: dt.datetime):
        problems = []
        mother = None
        try:
            mother = parse_resident_id(mother_id.strip(), now.astimezone().date())
            if mother.sex != "female":
                problems.append(("mother_id", "belongs to a man (GB 11643 sequence is odd)"))
        except InvalidIdentifier as err:
            problems.append(("mother_id", f"not a valid resident ID (GB 11643): {err}"))
        if born_at is None:
            problems.append(("born_at", "required"))
        elif born_at > now:
            problems.append(("born_at", "in the future"))
        elif now - born_at > dt.timedelta(days=365):
            problems.append(("born_at", "more than a year ago: a late birth record is a separate procedure"))
        if sex not in ("male", "female"):
            problems.append(("sex", "male or female"))
        hospital = hospital.strip()
        if not hospital:
            problems.append(("hospital", "required"))
        elif len(hospital) > MAX_HOSPITAL:
            problems.append(("hospital", f"at most {MAX_HOSPITAL} characters (this has {len(hospital)})"))
        elif problem := forbidden_character(hospital):
            problems.append(("hospital", problem))
        if not BIRTH_WEIGHT_GRAMS[0] <= weight_grams <= BIRTH_WEIGHT_GRAMS[1]:
            problems.append(("birth_weight_grams", f"from {BIRTH_WEIGHT_GRAMS[0]} to {BIRTH_WEIGHT_GRAMS[1]} grams"))
        if problems:
            raise InvalidFields(problems)
        return mother, hospital

    def birth_record(self, number: str) -> dict | None:
        return self.register.get("birth_record", number)

    @staticmethod
    def check_birth_date(birth_date: dt.date, today: dt.date) -> None:
        if birth_date > today:
            raise Refusal(f"birth_date {birth_date.isoformat()} is in the future")
        if (today - birth_date).days > 365:
            # A birth certificate is issued by the hospital of birth; late issue is a separate procedure.
            raise Refusal("birth certificates through this bundle are issued within a year of the birth")

    # -- queries ---------------------------------------------------------------------
    def birth_certificate(self, number: str) -> dict | None:
        return self.register.get("birth_certificate", number)

    def vaccination_record(self, number: str = "", birth_certificate_no: str = "") -> dict | None:
        if number:
            return self.register.get("vaccination_record", number)
        found = self.register.find("vaccination_record", birth_certificate_no=birth_certificate_no)
        return found[0] if found else None

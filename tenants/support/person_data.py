"""What support holds about a person — one-to-one meetings, info sessions, workshops — for the
person's record, the right-of-access export and the retention period (registered with people in
SupportConfig.ready(); see tenants/people/person_data.py)."""

from __future__ import annotations

from typing import Any

from tenants.people.models import Entrepreneur
from tenants.people.person_data import TimelineItem

from .models import InfoSessionRegistration, Meeting, WorkshopRegistration


class SupportPersonData:
    def timeline(self, person: Entrepreneur) -> list[TimelineItem]:
        items = [TimelineItem(meeting.held_at.date(), "meeting", "Entretien individuel",
                              meeting.next_steps or meeting.notes[:140])
                 for meeting in Meeting.objects.filter(entrepreneur=person)]
        items += [TimelineItem(reg.session.starts_at.date(), "info_session", "Réunion d'information",
                               reg.get_status_display())
                  for reg in InfoSessionRegistration.objects.filter(entrepreneur=person).select_related("session")]
        items += [TimelineItem(reg.workshop.starts_at.date(), "workshop", f"Atelier : {reg.workshop.title}",
                               reg.get_status_display())
                  for reg in WorkshopRegistration.objects.filter(entrepreneur=person).select_related("workshop")]
        return items

    def export(self, person: Entrepreneur) -> dict[str, Any]:
        return {
            "entretiens": [{"date": m.held_at, "notes": m.notes, "suites": m.next_steps}
                           for m in Meeting.objects.filter(entrepreneur=person)],
            "reunions_information": [
                {"date": r.session.starts_at, "presence": r.status}
                for r in InfoSessionRegistration.objects.filter(entrepreneur=person).select_related("session")],
            "ateliers": [
                {"atelier": r.workshop.title, "date": r.workshop.starts_at, "presence": r.status}
                for r in WorkshopRegistration.objects.filter(entrepreneur=person).select_related("workshop")],
        }

    def anonymise(self, person: Entrepreneur) -> None:
        Meeting.objects.filter(entrepreneur=person).update(notes="", next_steps="")

-- One path from a changed fact to a learner group's event refresh: the database's NOTIFY.
--
-- 20261122005100 notified for the writes no domain code reported and left completions and
-- learner events to the app, which looked up and queued the dependent groups itself after
-- commit (and, for a new activity, queued them a second time beside the trigger's NOTIFY).
-- Completions and learner events now notify like every other fact, so the app only listens.

drop trigger completions_log_insert on public.completions;
drop trigger completions_log_update on public.completions;
drop trigger completions_log_delete on public.completions;
drop trigger learner_events_log_insert on public.learner_events;

create trigger completions_log_insert after insert on public.completions
  referencing new table as new_rows for each statement execute function private.log_course_facts('completions', 'notify');
create trigger completions_log_update after update on public.completions
  referencing new table as new_rows old table as old_rows
  for each statement execute function private.log_course_facts('completions', 'notify');
create trigger completions_log_delete after delete on public.completions
  referencing old table as old_rows for each statement execute function private.log_course_facts('completions', 'notify');
create trigger learner_events_log_insert after insert on public.learner_events
  referencing new table as new_rows for each statement execute function private.log_course_facts('events', 'notify');

-- Learner groups know when their facts changed.
--
-- Every write to a fact a criteria document can read (enrolments, completions, learner events,
-- activities and their restrictions, groupings, group memberships, group moves and deletions)
-- leaves one row per transaction and course (or group, and each of its ancestors) in
-- private.learner_fact_changes, stamped with the writing transaction's id. Rows are written in
-- every course, with or without learner groups: a write that began before a course's first
-- learner group existed must still be seen by it. A refresh records the snapshot it read its facts with: a change row
-- whose transaction is not visible in that snapshot (still running then, or later) may not have
-- been seen. So a scheduled or event refresh whose group has no such change, and whose result
-- cannot have moved with the clock ("inactive for N days"), has nothing to do and skips the
-- set-based diff.
--
-- Writes that no domain code reports (enrolments by any path, memberships, group moves,
-- activities, restrictions, groupings, deleted learner events) also NOTIFY the dynamic learner
-- groups that read them, so the app queues their refresh at once (tessera_learner_groups, group
-- ids comma-separated). Completions, course views and posts are reported by the domain code
-- after commit. A learner group's own refresh notifies nobody: two groups whose criteria name
-- each other could otherwise refresh each other forever; the cadence catches those.
--
-- Writes with triggers off (session_replication_role = replica, as restores do) leave no change
-- row: after such a load, clear learner_group_criteria.facts_snapshot (or refresh by hand).
-- TRUNCATE of a fact table clears every group's bookkeeping itself.

create table private.learner_fact_changes (
  txid xid8 not null default pg_current_xact_id(),
  kind text not null check (kind in ('completions', 'events', 'enrolments', 'groups')),
  course_id uuid,
  group_id uuid,
  at timestamptz not null default now()
);
-- One row per transaction, kind, course and group, however many rows the transaction wrote.
create unique index learner_fact_changes_course_idx
  on private.learner_fact_changes (course_id, txid, kind, group_id) nulls not distinct;
create index learner_fact_changes_groups_idx on private.learner_fact_changes (group_id, txid)
  where kind = 'groups';
create index learner_fact_changes_at_idx on private.learner_fact_changes (at);
revoke all on private.learner_fact_changes from public, anon, authenticated;

-- Bookkeeping of the last full evaluation: the snapshot it read with, and until when its result
-- holds by the clock alone. Null = evaluate in full next time.
alter table public.learner_group_criteria
  add column facts_snapshot pg_snapshot,
  add column stable_until timestamptz;

-- The kinds of facts a criteria document reads (the same rule as dependenciesOf in
-- src/lib/server/learner-groups/criteria.ts), so the database never trusts a stale list.
create or replace function private.criteria_dependencies(criteria jsonb) returns text[]
language sql immutable security definer set search_path = ''
as $$
  select array(
    select d from (
      select 'enrolments' as d
      union select 'completions' from jsonb_array_elements(criteria -> 'all') c
        where c ->> 'type' in ('progress', 'completed', 'score', 'inactive')
      union select 'groups' from jsonb_array_elements(criteria -> 'all') c
        where c ->> 'type' in ('progress', 'member')
      union select 'events' from jsonb_array_elements(criteria -> 'all') c
        where c ->> 'type' = 'inactive'
    ) x order by d
  )
$$;

-- New criteria are a new question: forget the last evaluation. Bookkeeping is not an edit.
create or replace function private.learner_group_criteria_before_write() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  new.depends_on := private.criteria_dependencies(new.criteria);
  select g.course_id into new.course_id from public.groups g
  where g.id = new.group_id and g.scope = 'course' and g.membership_mode = 'rule';
  if new.course_id is null then
    raise exception 'Criteria belong to a rule-based group of a course.' using errcode = '23514';
  end if;
  if tg_op = 'INSERT' then
    new.facts_snapshot := null;
    new.stable_until := null;
    new.updated_at := now();
    return new;
  end if;
  if new.criteria is distinct from old.criteria or new.course_id is distinct from old.course_id then
    new.facts_snapshot := null;
    new.stable_until := null;
  end if;
  if (new.criteria, new.refresh_mode, new.cadence_minutes, new.depends_on)
      is distinct from (old.criteria, old.refresh_mode, old.cadence_minutes, old.depends_on) then
    new.updated_at := now();
  end if;
  return new;
end
$$;

-- A refresh's bookkeeping is not a change anyone made: only edits are audited.
drop trigger learner_group_criteria_audit on public.learner_group_criteria;
create trigger learner_group_criteria_audit
  after insert or delete or update of criteria, refresh_mode, cadence_minutes, depends_on
  on public.learner_group_criteria
  for each row execute function private.audit_progress_change();

-- Recording -------------------------------------------------------------------------------------

-- Dynamic learner groups that read memberships of these groups: those naming an ancestor of one
-- of them in a "member" criterion, and those with a "progress" criterion in a course where an
-- ancestor of one restricts an activity. The groups themselves are left out (a refresh does not
-- cause itself).
create or replace function private.learner_groups_reading_groups(group_ids uuid[]) returns uuid[]
language sql stable security definer set search_path = ''
as $$
  with above as (
    select distinct gc.ancestor_id as id from public.group_closure gc where gc.descendant_id = any (group_ids)
  ),
  -- Courses with an activity restricted to one of those groups (read once, not per learner group).
  restricting as materialized (
    select distinct a.course_id from private.activity_allowed_groups() r
    join public.activities a on a.id = r.activity_id
    where r.group_id in (select id from above)
  )
  select coalesce(array_agg(k.group_id), '{}') from public.learner_group_criteria k
  where k.refresh_mode = 'dynamic' and not (k.group_id = any (group_ids))
    and (
      exists (
        select 1 from jsonb_array_elements(k.criteria -> 'all') c
        where c ->> 'type' = 'member' and (c ->> 'groupId')::uuid in (select id from above)
      )
      or (
        exists (select 1 from jsonb_array_elements(k.criteria -> 'all') c where c ->> 'type' = 'progress')
        and k.course_id in (select course_id from restricting)
      )
    )
$$;

-- Tells the app which learner groups to refresh now (payloads stay under NOTIFY's 8,000 bytes).
create or replace function private.notify_learner_groups(group_ids uuid[]) returns void
language plpgsql security definer set search_path = ''
as $$
declare
  n integer := coalesce(cardinality(group_ids), 0);
begin
  for i in 0 .. (n - 1) / 150 loop
    exit when n = 0;
    perform pg_notify('tessera_learner_groups', array_to_string(group_ids[i * 150 + 1 : i * 150 + 150], ','));
  end loop;
end
$$;

-- Records that facts of a kind changed in these courses and, when asked, notifies the dynamic
-- groups of those courses that read that kind.
create or replace function private.record_course_facts(fact text, course_ids uuid[], notify boolean)
returns void
language plpgsql security definer set search_path = ''
as $$
declare
  courses uuid[] := array(select distinct c from unnest(course_ids) c where c is not null);
begin
  if cardinality(courses) = 0 then
    return;
  end if;
  insert into private.learner_fact_changes (kind, course_id)
  select fact, c from unnest(courses) c
  on conflict do nothing;
  if notify then
    perform private.notify_learner_groups(array(
      select k.group_id from public.learner_group_criteria k
      where k.course_id = any (courses) and k.refresh_mode = 'dynamic' and fact = any (k.depends_on)
    ));
  end if;
end
$$;

-- Records that the memberships of these groups changed: a row for each group and each of its
-- ancestors (whose effective members changed too), with the group's course; and notifies the
-- dynamic groups that read them. A learner group's own refresh notifies nobody (see above).
create or replace function private.record_group_facts(group_ids uuid[]) returns void
language plpgsql security definer set search_path = ''
as $$
declare
  changed uuid[] := array(select distinct g from unnest(group_ids) g where g is not null);
begin
  if cardinality(changed) = 0 then
    return;
  end if;
  insert into private.learner_fact_changes (kind, course_id, group_id)
  select 'groups', g.course_id, a.id
  from (
    select unnest(changed) as id
    union
    select gc.ancestor_id from public.group_closure gc where gc.descendant_id = any (changed)
  ) a
  left join public.groups g on g.id = a.id
  on conflict do nothing;
  perform private.notify_learner_groups(private.learner_groups_reading_groups(array(
    select x from unnest(changed) x
    where not exists (select 1 from public.groups g where g.id = x and g.kind = 'learner-group')
  )));
end
$$;

-- Statement triggers: argument 1 is the kind of fact, argument 2 'notify' when no domain code
-- reports these writes.
create or replace function private.log_course_facts() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  courses uuid[];
begin
  if tg_op = 'INSERT' then
    courses := array(select distinct course_id from new_rows);
  elsif tg_op = 'DELETE' then
    courses := array(select distinct course_id from old_rows);
  else
    courses := array(select course_id from new_rows union select course_id from old_rows);
  end if;
  perform private.record_course_facts(tg_argv[0], courses, tg_argv[1] = 'notify');
  return null;
end
$$;

create or replace function private.log_membership_facts() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    perform private.record_group_facts(array(select distinct group_id from new_rows));
  elsif tg_op = 'DELETE' then
    perform private.record_group_facts(array(select distinct group_id from old_rows));
  else
    -- Rows whose group, person, role or dates changed (not, say, who added them).
    perform private.record_group_facts(array(
      select d.group_id from (
        (select group_id, user_id, role, valid_from, valid_until from new_rows
         except select group_id, user_id, role, valid_from, valid_until from old_rows)
        union all
        (select group_id, user_id, role, valid_from, valid_until from old_rows
         except select group_id, user_id, role, valid_from, valid_until from new_rows)
      ) d));
  end if;
  return null;
end
$$;

-- A moved group changes who is an effective member of its old and new ancestors.
create or replace function private.log_group_move_facts() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  perform private.record_group_facts(array(
    select unnest(array[n.id, n.parent_id, o.parent_id]) from new_rows n join old_rows o on o.id = n.id
    where n.parent_id is distinct from o.parent_id));
  return null;
end
$$;

-- A group joining or leaving a grouping changes who may open the activities restricted to it.
create or replace function private.log_grouping_facts() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  touched uuid[];
begin
  if tg_op = 'INSERT' then
    touched := array(select distinct grouping_id from new_rows);
  else
    touched := array(select distinct grouping_id from old_rows);
  end if;
  perform private.record_course_facts(
    'completions', array(select course_id from public.groupings where id = any (touched)), true);
  return null;
end
$$;

create trigger enrolments_log_insert after insert on public.enrolments
  referencing new table as new_rows for each statement execute function private.log_course_facts('enrolments', 'notify');
create trigger enrolments_log_update after update on public.enrolments
  referencing new table as new_rows old table as old_rows
  for each statement execute function private.log_course_facts('enrolments', 'notify');
create trigger enrolments_log_delete after delete on public.enrolments
  referencing old table as old_rows for each statement execute function private.log_course_facts('enrolments', 'notify');

create trigger completions_log_insert after insert on public.completions
  referencing new table as new_rows for each statement execute function private.log_course_facts('completions', 'reported');
create trigger completions_log_update after update on public.completions
  referencing new table as new_rows old table as old_rows
  for each statement execute function private.log_course_facts('completions', 'reported');
create trigger completions_log_delete after delete on public.completions
  referencing old table as old_rows for each statement execute function private.log_course_facts('completions', 'reported');

create trigger learner_events_log_insert after insert on public.learner_events
  referencing new table as new_rows for each statement execute function private.log_course_facts('events', 'reported');
-- Purges and corrections are reported by nobody else.
create trigger learner_events_log_update after update on public.learner_events
  referencing new table as new_rows old table as old_rows
  for each statement execute function private.log_course_facts('events', 'notify');
create trigger learner_events_log_delete after delete on public.learner_events
  referencing old table as old_rows for each statement execute function private.log_course_facts('events', 'notify');

-- What counts towards progress: which activities there are and who may open them.
create trigger activities_log_insert after insert on public.activities
  referencing new table as new_rows for each statement execute function private.log_course_facts('completions', 'notify');
create trigger activities_log_delete after delete on public.activities
  referencing old table as old_rows for each statement execute function private.log_course_facts('completions', 'notify');
create trigger activity_restrictions_log_insert after insert on public.activity_restrictions
  referencing new table as new_rows for each statement execute function private.log_course_facts('completions', 'notify');
create trigger activity_restrictions_log_update after update on public.activity_restrictions
  referencing new table as new_rows old table as old_rows
  for each statement execute function private.log_course_facts('completions', 'notify');
create trigger activity_restrictions_log_delete after delete on public.activity_restrictions
  referencing old table as old_rows for each statement execute function private.log_course_facts('completions', 'notify');
create trigger grouping_groups_log_insert after insert on public.grouping_groups
  referencing new table as new_rows for each statement execute function private.log_grouping_facts();
create trigger grouping_groups_log_delete after delete on public.grouping_groups
  referencing old table as old_rows for each statement execute function private.log_grouping_facts();

create trigger group_members_log_insert after insert on public.group_members
  referencing new table as new_rows for each statement execute function private.log_membership_facts();
create trigger group_members_log_update after update on public.group_members
  referencing new table as new_rows old table as old_rows
  for each statement execute function private.log_membership_facts();
create trigger group_members_log_delete after delete on public.group_members
  referencing old table as old_rows for each statement execute function private.log_membership_facts();
-- A deleted group takes its members and its sub-groups' with it: recorded while its ancestors
-- are still known (before the row and its closure go).
create or replace function private.log_group_delete_facts() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  perform private.record_group_facts(array[old.id]);
  return old;
end
$$;
create trigger groups_log_delete before delete on public.groups
  for each row execute function private.log_group_delete_facts();

-- TRUNCATE leaves no rows to record: every learner group evaluates in full next time.
create or replace function private.forget_learner_group_evaluations() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  update public.learner_group_criteria set facts_snapshot = null, stable_until = null
  where facts_snapshot is not null;
  return null;
end
$$;
create trigger enrolments_truncate after truncate on public.enrolments
  for each statement execute function private.forget_learner_group_evaluations();
create trigger completions_truncate after truncate on public.completions
  for each statement execute function private.forget_learner_group_evaluations();
create trigger learner_events_truncate after truncate on public.learner_events
  for each statement execute function private.forget_learner_group_evaluations();
create trigger activities_truncate after truncate on public.activities
  for each statement execute function private.forget_learner_group_evaluations();
create trigger activity_restrictions_truncate after truncate on public.activity_restrictions
  for each statement execute function private.forget_learner_group_evaluations();
create trigger grouping_groups_truncate after truncate on public.grouping_groups
  for each statement execute function private.forget_learner_group_evaluations();
create trigger group_members_truncate after truncate on public.group_members
  for each statement execute function private.forget_learner_group_evaluations();

create trigger groups_log_move after update on public.groups
  referencing new table as new_rows old table as old_rows
  for each statement execute function private.log_group_move_facts();

-- Memberships that start or end by the clock change facts without a write: the membership sweep
-- (every few seconds) records them as it syncs course links.
create or replace function private.sync_due_memberships() returns integer
language plpgsql security definer set search_path = ''
as $$
declare
  since timestamptz;
  links uuid[];
  people uuid[];
  groups uuid[];
begin
  select swept_until into since from public.membership_sweeps for update;
  select private.links_over_groups(array_agg(distinct group_id)), array_agg(distinct user_id),
         array_agg(distinct group_id)
    into links, people, groups
  from public.group_members
  where (valid_until > since and valid_until <= now()) or (valid_from > since and valid_from <= now());
  update public.membership_sweeps set swept_until = now();
  perform private.sync_course_links(links, people);
  perform private.record_group_facts(groups);
  return coalesce(array_length(people, 1), 0);
end
$$;

-- Reading ----------------------------------------------------------------------------------------

-- The snapshot a refresh reads with.
create or replace function private.learner_facts_snapshot() returns pg_snapshot
language sql volatile security definer set search_path = ''
as $$
  select pg_current_snapshot()
$$;

-- Whether anything a learner group reads may have changed since it was evaluated with snapshot
-- `since`: a change by a transaction that snapshot did not see.
create or replace function private.learner_group_facts_changed(learner_group uuid, since pg_snapshot) returns boolean
language sql stable security definer set search_path = ''
as $$
  with k as (
    select k.course_id, k.depends_on,
           array(select (c ->> 'groupId')::uuid from jsonb_array_elements(k.criteria -> 'all') c
                 where c ->> 'type' = 'member') as member_of
    from public.learner_group_criteria k where k.group_id = learner_group
  )
  select since is null or not exists (select 1 from k) or exists (
    select 1 from k join private.learner_fact_changes ch on ch.course_id = k.course_id
    where ch.txid >= pg_snapshot_xmin(since) and not pg_visible_in_snapshot(ch.txid, since)
      and ch.kind = any (k.depends_on)
      and ch.group_id is distinct from learner_group
  ) or exists (
    -- Changes are recorded for every ancestor of the changed group: the named group's own rows.
    select 1 from k, private.learner_fact_changes ch
    where ch.kind = 'groups' and ch.group_id = any (k.member_of)
      and ch.txid >= pg_snapshot_xmin(since) and not pg_visible_in_snapshot(ch.txid, since)
  )
$$;

-- Change rows older than a day are forgotten: a refresh trusts its last evaluation for at most
-- twelve hours (stable_until), so none still needs them.
create or replace function private.prune_learner_fact_changes() returns integer
language plpgsql security definer set search_path = ''
as $$
declare
  gone integer;
begin
  delete from private.learner_fact_changes where at < now() - interval '1 day';
  get diagnostics gone = row_count;
  return gone;
end
$$;

-- Only the system reads and prunes; the triggers run as the owner.
revoke all on function private.learner_groups_reading_groups(uuid[]) from public, anon, authenticated, service_role;
revoke all on function private.notify_learner_groups(uuid[]) from public, anon, authenticated, service_role;
revoke all on function private.record_course_facts(text, uuid[], boolean) from public, anon, authenticated, service_role;
revoke all on function private.record_group_facts(uuid[]) from public, anon, authenticated, service_role;
revoke all on function private.log_course_facts() from public, anon, authenticated, service_role;
revoke all on function private.log_membership_facts() from public, anon, authenticated, service_role;
revoke all on function private.log_group_move_facts() from public, anon, authenticated, service_role;
revoke all on function private.log_grouping_facts() from public, anon, authenticated, service_role;
revoke all on function private.log_group_delete_facts() from public, anon, authenticated, service_role;
revoke all on function private.forget_learner_group_evaluations() from public, anon, authenticated, service_role;
revoke all on function private.criteria_dependencies(jsonb) from public, anon, authenticated;
-- The membership sweep is the system's (an earlier migration left it callable by everyone).
revoke all on function private.sync_due_memberships() from public, anon, authenticated;
grant execute on function private.sync_due_memberships() to service_role;
revoke all on function private.learner_facts_snapshot() from public, anon, authenticated;
revoke all on function private.learner_group_facts_changed(uuid, pg_snapshot) from public, anon, authenticated;
revoke all on function private.prune_learner_fact_changes() from public, anon, authenticated;
grant execute on function private.learner_facts_snapshot() to service_role;
grant execute on function private.learner_group_facts_changed(uuid, pg_snapshot) to service_role;
grant execute on function private.prune_learner_fact_changes() to service_role;

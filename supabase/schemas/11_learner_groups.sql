-- Learner groups: groups whose members are chosen by criteria (with "not"), refreshed on demand,
-- on a cadence and within seconds of a fact they read changing (learner_fact_changes records
-- what changed, statement triggers NOTIFY the job runner); interventions are messages to them,
-- delivered without the group's name.

-- Triggers, in firing order (before statement, before row, after row, after statement; by name
-- within each; deferred constraint triggers at commit):
--   public.learner_group_criteria:
--     learner_group_criteria_before_write: before insert or update, each row
--     learner_group_criteria_audit: after insert or update or delete, each row [12_audit.sql]
--   public.learner_group_refreshes: none
--   public.interventions:
--     interventions_before_insert: before insert, each row
--     interventions_audit: after insert, each row [12_audit.sql]
--   public.intervention_recipients: none
--   private.learner_fact_changes: none

set check_function_bodies = off;

-- Learner groups by criteria: course groups (membership_mode 'rule', kind 'learner-group') whose
-- members are computed from progress facts by a criteria document. The app compiles the document
-- into one set-based diff (insert the missing, delete the gone), run by the system, and records
-- who was added and removed by each refresh. Interventions are messages staff send to a learner
-- group's members, kept as history.
create table public.learner_group_criteria (
  group_id uuid primary key references public.groups (id) on delete cascade,
  course_id uuid not null references public.courses (id) on delete cascade,
  -- Validated by the app (src/lib/schemas/learner-groups.ts) before it is stored.
  criteria jsonb not null check (jsonb_typeof(criteria) = 'object'),
  -- static: a snapshot refreshed by hand; dynamic: refreshed on a cadence and on events.
  refresh_mode text not null default 'dynamic' check (refresh_mode in ('static', 'dynamic')),
  cadence_minutes integer not null default 60 check (cadence_minutes between 5 and 10080),
  -- Which facts the criteria read ('completions', 'events', 'enrolments', 'groups'), derived by
  -- private.criteria_dependencies: a change of one of these in the course refreshes the group.
  depends_on text[] not null default '{}',
  last_refreshed_at timestamptz,
  created_by uuid references public.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- Bookkeeping of the last full evaluation: the snapshot it read with, and until when its result
  -- holds by the clock alone. Null = evaluate in full next time.
  facts_snapshot pg_snapshot,
  stable_until timestamptz
);
create index learner_group_criteria_course_idx on public.learner_group_criteria (course_id);
create index learner_group_criteria_due_idx on public.learner_group_criteria (last_refreshed_at)
  where refresh_mode = 'dynamic';
alter table public.learner_group_criteria enable row level security;
alter table public.learner_group_criteria force row level security;
revoke all on table public.learner_group_criteria from anon, authenticated, service_role;
grant insert, select, delete, maintain on table public.learner_group_criteria to anon;
grant insert, select, delete, maintain on table public.learner_group_criteria to authenticated;
grant all on table public.learner_group_criteria to service_role;
grant update (criteria, refresh_mode, cadence_minutes, depends_on) on table public.learner_group_criteria to anon;
grant update (criteria, refresh_mode, cadence_minutes, depends_on) on table public.learner_group_criteria to authenticated;

create table public.learner_group_refreshes (
  id bigint generated always as identity primary key,
  group_id uuid not null references public.groups (id) on delete cascade,
  course_id uuid not null references public.courses (id) on delete cascade,
  trigger text not null check (trigger in ('create', 'manual', 'schedule', 'event')),
  requested_by uuid references public.users (id) on delete set null,
  added uuid[] not null default '{}',
  removed uuid[] not null default '{}',
  added_count integer not null default 0,
  removed_count integer not null default 0,
  member_count integer not null default 0,
  refreshed_at timestamptz not null default now()
);
create index learner_group_refreshes_course_idx on public.learner_group_refreshes (course_id);
create index learner_group_refreshes_group_idx on public.learner_group_refreshes (group_id, refreshed_at desc);
alter table public.learner_group_refreshes enable row level security;
alter table public.learner_group_refreshes force row level security;
revoke all on table public.learner_group_refreshes from anon, authenticated, service_role;
grant insert, select, delete, maintain on table public.learner_group_refreshes to anon;
grant insert, select, delete, maintain on table public.learner_group_refreshes to authenticated;
grant all on table public.learner_group_refreshes to service_role;

create table public.interventions (
  id uuid primary key default gen_random_uuid(),
  -- History outlives the group: the name is kept, the link is cleared.
  group_id uuid references public.groups (id) on delete set null,
  group_name text not null,
  course_id uuid not null references public.courses (id) on delete cascade,
  sent_by uuid references public.users (id) on delete set null,
  subject text not null check (length(btrim(subject)) between 1 and 200),
  body text not null check (length(btrim(body)) between 1 and 10000),
  recipient_count integer not null default 0,
  emailed_count integer not null default 0,
  announced boolean not null default false,
  created_at timestamptz not null default now(),
  -- The announcement it was posted as, in the learner group's feed (written together).
  announcement_id uuid references public.announcements (id) on delete set null
);
create index interventions_announcement_idx on public.interventions (announcement_id);
create index interventions_course_idx on public.interventions (course_id, created_at desc);
create index interventions_group_idx on public.interventions (group_id, created_at desc);
create index interventions_sent_by_idx on public.interventions (sent_by);
alter table public.interventions enable row level security;
alter table public.interventions force row level security;
revoke all on table public.interventions from anon, authenticated, service_role;
grant insert, select, delete, maintain on table public.interventions to anon;
grant insert, select, delete, maintain on table public.interventions to authenticated;
grant all on table public.interventions to service_role;

create table public.intervention_recipients (
  intervention_id uuid not null references public.interventions (id) on delete cascade,
  user_id uuid not null references public.users (id) on delete cascade,
  course_id uuid not null references public.courses (id) on delete cascade,
  email_status text not null default 'pending' check (email_status in ('pending', 'sent', 'failed')),
  primary key (intervention_id, user_id)
);
create index intervention_recipients_course_idx on public.intervention_recipients (course_id);
create index intervention_recipients_user_idx on public.intervention_recipients (user_id);
alter table public.intervention_recipients enable row level security;
alter table public.intervention_recipients force row level security;
revoke all on table public.intervention_recipients from anon, authenticated, service_role;
grant insert, select, delete, maintain on table public.intervention_recipients to anon;
grant insert, select, delete, maintain on table public.intervention_recipients to authenticated;
grant all on table public.intervention_recipients to service_role;

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
create index learner_fact_changes_at_idx on private.learner_fact_changes (at);
-- One row per transaction, kind, course and group, however many rows the transaction wrote.
create unique index learner_fact_changes_course_idx
  on private.learner_fact_changes (course_id, txid, kind, group_id) nulls not distinct;
create index learner_fact_changes_groups_idx on private.learner_fact_changes (group_id, txid)
  where kind = 'groups';
revoke all on table private.learner_fact_changes from anon, authenticated, service_role;

revoke all on sequence public.learner_group_refreshes_id_seq from anon, authenticated, service_role;
grant select, update, usage on sequence public.learner_group_refreshes_id_seq to anon;
grant select, update, usage on sequence public.learner_group_refreshes_id_seq to authenticated;
grant select, update, usage on sequence public.learner_group_refreshes_id_seq to service_role;

-- Functions ---------------------------------------------------------------------------------------

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
revoke all on function private.criteria_dependencies(criteria jsonb) from public, anon, authenticated, service_role;

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
revoke all on function private.forget_learner_group_evaluations() from public, anon, authenticated, service_role;

create or replace function private.interventions_before_insert() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  select g.course_id, g.name into new.course_id, new.group_name from public.groups g
  where g.id = new.group_id and g.kind = 'learner-group';
  if new.course_id is null then
    perform private.refuse_learner_group_write('Send interventions to a learner group.', new.group_id);
  end if;
  if new.announcement_id is not null and not exists (
    select 1 from public.announcements a
    where a.id = new.announcement_id and a.group_id = new.group_id
      and a.author_id is not distinct from new.sent_by and a.published_at is not null
  ) then
    raise exception 'An intervention''s announcement is its sender''s, in its learner group.'
      using errcode = '23514';
  end if;
  new.announced := new.announcement_id is not null;
  return new;
end
$$;
revoke all on function private.interventions_before_insert() from public, anon, authenticated, service_role;
grant execute on function private.interventions_before_insert() to anon, authenticated, service_role;

-- Reading ----------------------------------------------------------------------------------------
-- The snapshot a refresh reads with.
create or replace function private.learner_facts_snapshot() returns pg_snapshot
language sql volatile security definer set search_path = ''
as $$
  select pg_current_snapshot()
$$;
revoke all on function private.learner_facts_snapshot() from public, anon, authenticated, service_role;
grant execute on function private.learner_facts_snapshot() to service_role;

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
revoke all on function private.learner_group_criteria_before_write() from public, anon, authenticated, service_role;
grant execute on function private.learner_group_criteria_before_write() to anon, authenticated, service_role;

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
revoke all on function private.learner_group_facts_changed(learner_group uuid, since pg_snapshot) from public, anon, authenticated, service_role;
grant execute on function private.learner_group_facts_changed(learner_group uuid, since pg_snapshot) to service_role;

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
revoke all on function private.learner_groups_reading_groups(group_ids uuid[]) from public, anon, authenticated, service_role;

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
revoke all on function private.log_course_facts() from public, anon, authenticated, service_role;

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
revoke all on function private.log_group_delete_facts() from public, anon, authenticated, service_role;

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
revoke all on function private.log_group_move_facts() from public, anon, authenticated, service_role;

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
revoke all on function private.log_grouping_facts() from public, anon, authenticated, service_role;

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
revoke all on function private.log_membership_facts() from public, anon, authenticated, service_role;

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
revoke all on function private.notify_learner_groups(group_ids uuid[]) from public, anon, authenticated, service_role;

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
revoke all on function private.prune_learner_fact_changes() from public, anon, authenticated, service_role;
grant execute on function private.prune_learner_fact_changes() to service_role;

-- Policy helpers --------------------------------------------------------------------------------
-- Interventions the current user received.
create or replace function private.received_intervention_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
begin
  return array(select intervention_id from public.intervention_recipients where user_id = auth.uid());
end
$$;
revoke all on function private.received_intervention_ids_array() from public, anon, authenticated, service_role;
grant execute on function private.received_intervention_ids_array() to anon, authenticated, service_role;

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
revoke all on function private.record_course_facts(fact text, course_ids uuid[], notify boolean) from public, anon, authenticated, service_role;

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
revoke all on function private.record_group_facts(group_ids uuid[]) from public, anon, authenticated, service_role;

-- The learner-group checks on announcements and interventions run before row-level security,
-- so their clear errors must go only to those who may see the group: course staff (and platform
-- admins). Anyone else trying a raw insert with a group's id gets row-level security's own
-- refusal, whatever kind of group it is, and learns nothing (not even that it is a learner group).
create or replace function private.refuse_learner_group_write(message text, group_id uuid) returns void
language plpgsql stable security definer set search_path = ''
as $$
begin
  if private.is_platform_admin() or exists (
    select 1 from public.groups g
    where g.id = group_id and g.course_id = any (private.staffed_course_ids_array())
  ) then
    raise exception '%', message using errcode = '23514', hint = 'learner_group';
  end if;
  raise exception 'new row violates row-level security policy' using errcode = '42501';
end
$$;
revoke all on function private.refuse_learner_group_write(message text, group_id uuid) from public, anon, authenticated, service_role;

-- Triggers ----------------------------------------------------------------------------------------

create trigger activities_log_delete after delete on public.activities
  referencing old table as old_rows for each statement execute function private.log_course_facts('completions', 'notify');

-- What counts towards progress: which activities there are and who may open them.
create trigger activities_log_insert after insert on public.activities
  referencing new table as new_rows for each statement execute function private.log_course_facts('completions', 'notify');

create trigger activities_truncate after truncate on public.activities
  for each statement execute function private.forget_learner_group_evaluations();

create trigger activity_restrictions_log_delete after delete on public.activity_restrictions
  referencing old table as old_rows for each statement execute function private.log_course_facts('completions', 'notify');

create trigger activity_restrictions_log_insert after insert on public.activity_restrictions
  referencing new table as new_rows for each statement execute function private.log_course_facts('completions', 'notify');

create trigger activity_restrictions_log_update after update on public.activity_restrictions
  referencing new table as new_rows old table as old_rows
  for each statement execute function private.log_course_facts('completions', 'notify');

create trigger activity_restrictions_truncate after truncate on public.activity_restrictions
  for each statement execute function private.forget_learner_group_evaluations();

create trigger completions_log_delete after delete on public.completions
  referencing old table as old_rows for each statement execute function private.log_course_facts('completions', 'notify');

create trigger completions_log_insert after insert on public.completions
  referencing new table as new_rows for each statement execute function private.log_course_facts('completions', 'notify');

create trigger completions_log_update after update on public.completions
  referencing new table as new_rows old table as old_rows
  for each statement execute function private.log_course_facts('completions', 'notify');

create trigger completions_truncate after truncate on public.completions
  for each statement execute function private.forget_learner_group_evaluations();

create trigger enrolments_log_delete after delete on public.enrolments
  referencing old table as old_rows for each statement execute function private.log_course_facts('enrolments', 'notify');

create trigger enrolments_log_insert after insert on public.enrolments
  referencing new table as new_rows for each statement execute function private.log_course_facts('enrolments', 'notify');

create trigger enrolments_log_update after update on public.enrolments
  referencing new table as new_rows old table as old_rows
  for each statement execute function private.log_course_facts('enrolments', 'notify');

create trigger enrolments_truncate after truncate on public.enrolments
  for each statement execute function private.forget_learner_group_evaluations();

create trigger group_members_log_delete after delete on public.group_members
  referencing old table as old_rows for each statement execute function private.log_membership_facts();

create trigger group_members_log_insert after insert on public.group_members
  referencing new table as new_rows for each statement execute function private.log_membership_facts();

create trigger group_members_log_update after update on public.group_members
  referencing new table as new_rows old table as old_rows
  for each statement execute function private.log_membership_facts();

create trigger group_members_truncate after truncate on public.group_members
  for each statement execute function private.forget_learner_group_evaluations();

create trigger grouping_groups_log_delete after delete on public.grouping_groups
  referencing old table as old_rows for each statement execute function private.log_grouping_facts();

create trigger grouping_groups_log_insert after insert on public.grouping_groups
  referencing new table as new_rows for each statement execute function private.log_grouping_facts();

create trigger grouping_groups_truncate after truncate on public.grouping_groups
  for each statement execute function private.forget_learner_group_evaluations();

create trigger groups_log_delete before delete on public.groups
  for each row execute function private.log_group_delete_facts();

create trigger groups_log_move after update on public.groups
  referencing new table as new_rows old table as old_rows
  for each statement execute function private.log_group_move_facts();

create trigger interventions_before_insert before insert on public.interventions
  for each row execute function private.interventions_before_insert();

create trigger learner_events_log_delete after delete on public.learner_events
  referencing old table as old_rows for each statement execute function private.log_course_facts('events', 'notify');

create trigger learner_events_log_insert after insert on public.learner_events
  referencing new table as new_rows for each statement execute function private.log_course_facts('events', 'notify');

-- Purges and corrections are reported by nobody else.
create trigger learner_events_log_update after update on public.learner_events
  referencing new table as new_rows old table as old_rows
  for each statement execute function private.log_course_facts('events', 'notify');

create trigger learner_events_truncate after truncate on public.learner_events
  for each statement execute function private.forget_learner_group_evaluations();

create trigger learner_group_criteria_before_write before insert or update on public.learner_group_criteria
  for each row execute function private.learner_group_criteria_before_write();

-- Policies ----------------------------------------------------------------------------------------

create policy "course staff see learner group criteria"
  on public.learner_group_criteria for select to authenticated
  using (
    (select private.is_platform_admin())
    or course_id = any ((select private.staffed_course_ids_array())::uuid[])
  );

create policy "course staff define learner groups where they are switched on"
  on public.learner_group_criteria for insert to authenticated
  with check (
    ((select private.is_platform_admin()) or course_id = any ((select private.staffed_course_ids_array())::uuid[]))
    and course_id = any ((select private.learner_group_course_ids_array())::uuid[])
  );

create policy "course staff edit learner group criteria"
  on public.learner_group_criteria for update to authenticated
  using (
    (select private.is_platform_admin())
    or course_id = any ((select private.staffed_course_ids_array())::uuid[])
  )
  with check (
    (select private.is_platform_admin())
    or course_id = any ((select private.staffed_course_ids_array())::uuid[])
  );

create policy "course staff delete learner group criteria"
  on public.learner_group_criteria for delete to authenticated
  using (
    (select private.is_platform_admin())
    or course_id = any ((select private.staffed_course_ids_array())::uuid[])
  );

create policy "course staff see learner group refreshes"
  on public.learner_group_refreshes for select to authenticated
  using (
    (select private.is_platform_admin())
    or course_id = any ((select private.staffed_course_ids_array())::uuid[])
  );

-- No write policies: refreshes are run and recorded by the system.
create policy "course staff see interventions and recipients the ones they received"
  on public.interventions for select to authenticated
  using (
    (select private.is_platform_admin())
    or course_id = any ((select private.staffed_course_ids_array())::uuid[])
    or id = any ((select private.received_intervention_ids_array())::uuid[])
  );

create policy "course staff send interventions in their own name"
  on public.interventions for insert to authenticated
  with check (
    sent_by = (select auth.uid())
    and ((select private.is_platform_admin()) or course_id = any ((select private.staffed_course_ids_array())::uuid[]))
  );

create policy "course staff see recipients and people their own receipt"
  on public.intervention_recipients for select to authenticated
  using (
    (select private.is_platform_admin())
    or user_id = (select auth.uid())
    or course_id = any ((select private.staffed_course_ids_array())::uuid[])
  );

create policy "course staff address interventions"
  on public.intervention_recipients for insert to authenticated
  with check (
    (select private.is_platform_admin())
    or course_id = any ((select private.staffed_course_ids_array())::uuid[])
  );

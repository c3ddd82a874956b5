-- Progress: a course's activities (optionally restricted to groups or groupings), completions
-- and scores, ingested statements and learner events (sign-ins, views, posts): the facts leaders
-- follow and learner-group criteria read. Leaders follow learners only where they lead them.

-- Triggers, in firing order (before statement, before row, after row, after statement; by name
-- within each; deferred constraint triggers at commit):
--   public.activities:
--     activities_before_write: before insert or update, each row
--     activities_audit: after insert or update or delete, each row [12_audit.sql]
--     activities_log_delete: after delete, each statement [11_learner_groups.sql]
--     activities_log_insert: after insert, each statement [11_learner_groups.sql]
--     activities_truncate: after truncate, each statement [11_learner_groups.sql]
--   public.activity_restrictions:
--     activity_restrictions_before_insert: before insert, each row
--     activity_restrictions_audit: after insert or delete, each row [12_audit.sql]
--     activity_restrictions_log_delete: after delete, each statement [11_learner_groups.sql]
--     activity_restrictions_log_insert: after insert, each statement [11_learner_groups.sql]
--     activity_restrictions_log_update: after update, each statement [11_learner_groups.sql]
--     activity_restrictions_truncate: after truncate, each statement [11_learner_groups.sql]
--   public.completions:
--     completions_before_write: before insert or update, each row
--     completions_audit: after insert or update or delete, each row [12_audit.sql]
--     completions_log_delete: after delete, each statement [11_learner_groups.sql]
--     completions_log_insert: after insert, each statement [11_learner_groups.sql]
--     completions_log_update: after update, each statement [11_learner_groups.sql]
--     completions_truncate: after truncate, each statement [11_learner_groups.sql]
--   public.ingested_statements: none
--   public.learner_events:
--     learner_events_log_delete: after delete, each statement [11_learner_groups.sql]
--     learner_events_log_insert: after insert, each statement [11_learner_groups.sql]
--     learner_events_log_update: after update, each statement [11_learner_groups.sql]
--     learner_events_touch_activity: after insert, each statement
--     learner_events_truncate: after truncate, each statement [11_learner_groups.sql]
--   public.person_activity: none
--   public.course_progress_settings:
--     course_progress_settings_audit: after insert or update, each row [12_audit.sql]
-- Triggers defined here on other areas' tables (listed at the top of their files):
--   public.messages: messages_touch_activity

set check_function_bodies = off;

-- Activities ------------------------------------------------------------------------------------
create table public.activities (
  id uuid primary key default gen_random_uuid(),
  course_id uuid not null references public.courses (id) on delete cascade,
  idnumber text check (idnumber is null or length(btrim(idnumber)) between 1 and 100),
  title text not null check (length(btrim(title)) between 1 and 200),
  description text not null default '' check (length(description) <= 5000),
  type text not null default 'page'
    check (type in ('page', 'assignment', 'quiz', 'video', 'discussion', 'external')),
  due_at timestamptz,
  -- Whether learners may mark it complete themselves (otherwise staff or an external system do).
  self_completion boolean not null default true,
  max_score numeric check (max_score is null or max_score > 0),
  position integer not null default 0,
  created_by uuid references public.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- The activity's own group mode; null takes the course's. The course's mode wins when the
  -- course forces it (courses.force_group_mode): private.activity_group_modes().
  group_mode text check (group_mode is null or group_mode in ('none', 'separate', 'visible')),
  -- The grouping whose groups the activity's group mode works with (all course groups without one).
  grouping_id uuid references public.groupings (id) on delete set null
);
create unique index activities_course_idnumber_key on public.activities (course_id, idnumber)
  where idnumber is not null;
create index activities_course_idx on public.activities (course_id, position);
create index activities_idnumber_idx on public.activities (idnumber) where idnumber is not null;
create index activities_grouping_idx on public.activities (grouping_id) where grouping_id is not null;
alter table public.activities enable row level security;
alter table public.activities force row level security;
revoke all on table public.activities from anon, authenticated, service_role;
grant insert, select, delete on table public.activities to anon;
grant insert, select, delete on table public.activities to authenticated;
grant insert, select, update, delete on table public.activities to service_role;
grant update (idnumber, title, description, type, due_at, self_completion, max_score, "position", group_mode, grouping_id) on table public.activities to anon;
grant update (idnumber, title, description, type, due_at, self_completion, max_score, "position", group_mode, grouping_id) on table public.activities to authenticated;

-- Effective members of any listed group may see and use the activity; staff always may. A row
-- names a group, a grouping (its groups), or any group of the course (any_group: every course
-- group but learner groups). An activity closed to someone is shown to them locked, unless one
-- of its restrictions says hidden: then they do not see it at all.
create table public.activity_restrictions (
  activity_id uuid not null references public.activities (id) on delete cascade,
  -- A group or a grouping of the activity's course. Deleting it leaves the row with no target,
  -- which keeps the activity closed until staff change its restrictions.
  group_id uuid references public.groups (id) on delete set null,
  course_id uuid not null references public.courses (id) on delete cascade,
  created_by uuid references public.users (id) on delete set null,
  created_at timestamptz not null default now(),
  grouping_id uuid references public.groupings (id) on delete set null,
  any_group boolean not null default false,
  hidden boolean not null default false,
  constraint activity_restrictions_one_target check (num_nonnulls(group_id, grouping_id) <= 1),
  constraint activity_restrictions_any_group_alone check (not any_group or num_nonnulls(group_id, grouping_id) = 0)
);
create unique index activity_restrictions_activity_group_key
  on public.activity_restrictions (activity_id, group_id) where group_id is not null;
create unique index activity_restrictions_activity_grouping_key
  on public.activity_restrictions (activity_id, grouping_id) where grouping_id is not null;
create unique index activity_restrictions_activity_any_group_key
  on public.activity_restrictions (activity_id) where any_group;
create index activity_restrictions_course_idx on public.activity_restrictions (course_id);
create index activity_restrictions_group_idx on public.activity_restrictions (group_id);
create index activity_restrictions_grouping_idx on public.activity_restrictions (grouping_id);
create index activity_restrictions_orphan_idx on public.activity_restrictions (activity_id)
  where group_id is null and grouping_id is null and not any_group;
alter table public.activity_restrictions enable row level security;
alter table public.activity_restrictions force row level security;
revoke all on table public.activity_restrictions from anon, authenticated, service_role;
grant insert, select, delete on table public.activity_restrictions to anon;
grant insert, select, delete on table public.activity_restrictions to authenticated;
grant insert, select, update, delete on table public.activity_restrictions to service_role;

-- Completions and scores: one row per learner and activity. completed_at is the first
-- completion; score is the latest score reported (scored_at orders reports).
create table public.completions (
  activity_id uuid not null references public.activities (id) on delete cascade,
  user_id uuid not null references public.users (id) on delete cascade,
  course_id uuid not null references public.courses (id) on delete cascade,
  completed_at timestamptz,
  score numeric check (score is null or score between -1000000 and 1000000),
  scored_at timestamptz,
  source text not null default 'self' check (source in ('self', 'staff', 'ingest')),
  recorded_by uuid references public.users (id) on delete set null,
  updated_at timestamptz not null default now(),
  primary key (activity_id, user_id),
  check (completed_at is not null or score is not null),
  check ((score is null) = (scored_at is null))
);
create index completions_course_user_idx on public.completions (course_id, user_id, completed_at);
create index completions_user_idx on public.completions (user_id);
alter table public.completions enable row level security;
alter table public.completions force row level security;
revoke all on table public.completions from anon, authenticated, service_role;
grant insert, select, delete on table public.completions to anon;
grant insert, select, delete on table public.completions to authenticated;
grant insert, select, update, delete on table public.completions to service_role;
grant update (completed_at, score, scored_at, source, recorded_by) on table public.completions to anon;
grant update (completed_at, score, scored_at, source, recorded_by) on table public.completions to authenticated;

-- Statement ids already applied, per course: a repeated statement changes nothing.
create table public.ingested_statements (
  course_id uuid not null references public.courses (id) on delete cascade,
  statement_id text not null check (length(statement_id) between 1 and 200),
  activity_id uuid not null references public.activities (id) on delete cascade,
  user_id uuid not null references public.users (id) on delete cascade,
  verb text not null check (verb in ('completed', 'scored')),
  received_by uuid references public.users (id) on delete set null,
  received_at timestamptz not null default now(),
  primary key (course_id, statement_id)
);
create index ingested_statements_activity_idx on public.ingested_statements (activity_id);
create index ingested_statements_user_idx on public.ingested_statements (user_id);
alter table public.ingested_statements enable row level security;
alter table public.ingested_statements force row level security;
revoke all on table public.ingested_statements from anon, authenticated, service_role;
grant insert, select, delete on table public.ingested_statements to anon;
grant insert, select, delete on table public.ingested_statements to authenticated;
grant insert, select, update, delete on table public.ingested_statements to service_role;

-- Sign-ins (no course), course page views and posts. Facts, never edited.
create table public.learner_events (
  id bigint generated always as identity primary key,
  user_id uuid not null references public.users (id) on delete cascade,
  course_id uuid references public.courses (id) on delete cascade,
  kind text not null check (kind in ('sign_in', 'course_view', 'post')),
  occurred_at timestamptz not null default now()
);
create index learner_events_course_user_idx on public.learner_events (course_id, user_id, occurred_at desc);
create index learner_events_user_idx on public.learner_events (user_id, occurred_at desc);
alter table public.learner_events enable row level security;
alter table public.learner_events force row level security;
revoke all on table public.learner_events from anon, authenticated, service_role;
grant insert, select, delete on table public.learner_events to anon;
grant insert, select, delete on table public.learner_events to authenticated;
grant insert, select, update, delete on table public.learner_events to service_role;

-- When each person was last active anywhere (a page, a sign-in, a post, a course view), written by
-- the system at most once every few minutes per person (private.touch_activity, called by session checks and the
-- triggers below); "last activity" on dashboards and participant lists reads it.
create table public.person_activity (
  user_id uuid primary key references public.users (id) on delete cascade,
  last_seen_at timestamptz not null default now()
);
alter table public.person_activity enable row level security;
alter table public.person_activity force row level security;
revoke all on table public.person_activity from anon, authenticated, service_role;
grant select on table public.person_activity to authenticated;
grant insert, select, update, delete on table public.person_activity to service_role;

-- Per-course progress settings: learner groups are off until staff or an admin switch them on.
create table public.course_progress_settings (
  course_id uuid primary key references public.courses (id) on delete cascade,
  learner_groups_enabled boolean not null default false,
  inactive_days integer not null default 7 check (inactive_days between 1 and 365),
  updated_by uuid references public.users (id) on delete set null,
  updated_at timestamptz not null default now()
);
alter table public.course_progress_settings enable row level security;
alter table public.course_progress_settings force row level security;
revoke all on table public.course_progress_settings from anon, authenticated, service_role;
grant insert, select, delete on table public.course_progress_settings to anon;
grant insert, select, delete on table public.course_progress_settings to authenticated;
grant insert, select, update, delete on table public.course_progress_settings to service_role;
grant update (learner_groups_enabled, inactive_days, updated_by) on table public.course_progress_settings to anon;
grant update (learner_groups_enabled, inactive_days, updated_by) on table public.course_progress_settings to authenticated;

revoke all on sequence public.learner_events_id_seq from anon, authenticated, service_role;

-- Functions ---------------------------------------------------------------------------------------

-- Maintenance -------------------------------------------------------------------------------------
create or replace function private.activities_before_write() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' and new.course_id is distinct from old.course_id then
    raise exception 'An activity cannot move to another course.' using errcode = '23514';
  end if;
  if new.grouping_id is not null and (tg_op = 'INSERT' or new.grouping_id is distinct from old.grouping_id)
     and not exists (select 1 from public.groupings gr where gr.id = new.grouping_id and gr.course_id = new.course_id) then
    raise exception 'An activity works with a grouping of its own course.' using errcode = '23514';
  end if;
  new.updated_at := now();
  return new;
end
$$;
revoke all on function private.activities_before_write() from public, anon, authenticated, service_role;

-- The groups whose effective members may open each restricted activity. A restriction whose
-- group or grouping was deleted, like a grouping with no groups, yields a row with a null group:
-- the activity stays restricted (staff only). Only the restrictions of courses the caller takes
-- part in, staffs or follows learners in (all of them for the system and platform admins): the
-- app calls it directly.
create or replace function private.activity_allowed_groups()
returns table (activity_id uuid, group_id uuid)
language sql stable security definer set search_path = ''
as $$
  with readable as materialized (
    select coalesce(current_setting('role', true), '') = 'service_role'
        or (coalesce(current_setting('role', true), 'none') = 'none'
            and exists (select 1 from pg_catalog.pg_roles where rolname = session_user and (rolsuper or rolbypassrls)))
        or private.is_platform_admin() as everyone,
      private.visible_course_ids_array() || private.staffed_course_ids_array()
        || private.followed_course_ids_array() as course_ids
  ), restrictions as materialized (
    select r.* from public.activity_restrictions r, readable
    where readable.everyone or r.course_id = any (readable.course_ids)
  )
  select r.activity_id, r.group_id from restrictions r where r.group_id is not null
  union
  select r.activity_id, gg.group_id from restrictions r
  left join public.grouping_groups gg on gg.grouping_id = r.grouping_id
  where r.grouping_id is not null
  union
  select r.activity_id, g.id from restrictions r
  left join public.groups g on g.course_id = r.course_id and g.kind <> 'learner-group'
  where r.any_group
  union
  select r.activity_id, null::uuid from restrictions r
  where r.group_id is null and r.grouping_id is null and not r.any_group
$$;
revoke all on function private.activity_allowed_groups() from public, anon, authenticated, service_role;
grant execute on function private.activity_allowed_groups() to authenticated, service_role;

-- A new restriction still names exactly one group or grouping of the activity's own course.
create or replace function private.activity_restrictions_before_insert() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if num_nonnulls(new.group_id, new.grouping_id) + new.any_group::integer <> 1 then
    raise exception 'Restrict an activity to a group, a grouping or any group.' using errcode = '23514';
  end if;
  select a.course_id into new.course_id from public.activities a where a.id = new.activity_id;
  if new.group_id is not null
     and not exists (select 1 from public.groups g where g.id = new.group_id and g.course_id = new.course_id) then
    raise exception 'Restrict an activity to groups of its own course.' using errcode = '23514';
  end if;
  if new.grouping_id is not null
     and not exists (select 1 from public.groupings gr where gr.id = new.grouping_id and gr.course_id = new.course_id) then
    raise exception 'Restrict an activity to groupings of its own course.' using errcode = '23514';
  end if;
  return new;
end
$$;
revoke all on function private.activity_restrictions_before_insert() from public, anon, authenticated, service_role;

-- Restricted activities of the courses the current user takes part in (not as staff) that they
-- may not open: none of the activity's groups counts them as an effective member.
create or replace function private.closed_activity_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  participant_courses uuid[] := array(
    select unnest(private.visible_course_ids_array()) except select unnest(private.staffed_course_ids_array()));
  member_of uuid[] := private.member_group_ids_array();
begin
  return array(
    select r.activity_id from private.activity_allowed_groups() r
    join public.activities a on a.id = r.activity_id
    where a.course_id = any (participant_courses)
    except
    select r.activity_id from private.activity_allowed_groups() r where r.group_id = any (member_of)
  );
end
$$;
revoke all on function private.closed_activity_ids_array() from public, anon, authenticated, service_role;
grant execute on function private.closed_activity_ids_array() to authenticated, service_role;

-- Group mode per activity. Course staff with access to all groups (instructors, the admins of
-- the course's organisation, platform admins: Moodle's "access all groups") see every learner's
-- completions and scores. Other staff (assistants) see and record them, for an activity whose
-- group mode is separate (the course's when the course forces it or the activity has none), only
-- for learners who share one of the activity's groups with them: the groups of its grouping, or
-- every course group but learner groups without one; effective memberships valid now.
-- The group mode an activity works in: the course's when the course forces it or the activity
-- has none of its own. Reads no table.
create or replace function private.effective_group_mode(course_mode text, forced boolean, own_mode text)
returns text
language sql immutable security definer set search_path = ''
as $$ select case when forced or own_mode is null then course_mode else own_mode end $$;
revoke all on function private.effective_group_mode(course_mode text, forced boolean, own_mode text) from public, anon, authenticated, service_role;
grant execute on function private.effective_group_mode(course_mode text, forced boolean, own_mode text) to authenticated, service_role;

create or replace function private.group_limited_activity_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  limited uuid[];
begin
  if private.is_platform_admin() then
    return '{}';
  end if;
  limited := array(
    select unnest(private.staffed_course_ids_array()) except select unnest(private.managed_course_ids_array()));
  if cardinality(limited) = 0 then
    return '{}';
  end if;
  return array(
    select a.id from public.activities a join public.courses c on c.id = a.course_id
    where a.course_id = any (limited)
      and private.effective_group_mode(c.group_mode, c.force_group_mode, a.group_mode) = 'separate'
  );
end
$$;
revoke all on function private.group_limited_activity_ids_array() from public, anon, authenticated, service_role;
grant execute on function private.group_limited_activity_ids_array() to authenticated, service_role;

-- For the activities above, the learners the current user shares one of the activity's groups with.
create or replace function private.group_limited_activity_learners()
returns table (activity_id uuid, user_id uuid)
language plpgsql stable security definer set search_path = ''
as $$
declare
  uid uuid := auth.uid();
  limited uuid[] := private.group_limited_activity_ids_array();
begin
  if cardinality(limited) = 0 then
    return;
  end if;
  return query
    select distinct a.id, theirs.user_id
    from public.activities a
    join public.groups g on g.course_id = a.course_id and g.kind <> 'learner-group'
    join public.effective_members mine on mine.group_id = g.id and mine.user_id = uid
    join public.effective_members theirs on theirs.group_id = g.id
    where a.id = any (limited)
      and (a.grouping_id is null
           or g.id in (select gg.group_id from public.grouping_groups gg where gg.grouping_id = a.grouping_id));
end
$$;
revoke all on function private.group_limited_activity_learners() from public, anon, authenticated, service_role;
grant execute on function private.group_limited_activity_learners() to authenticated, service_role;

-- A completion's course is its activity's (policies read course_id, so it must be true).
create or replace function private.completions_before_write() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  select a.course_id into new.course_id from public.activities a where a.id = new.activity_id;
  if tg_op = 'UPDATE' and new.user_id is distinct from old.user_id then
    raise exception 'A completion cannot move to another person.' using errcode = '23514';
  end if;
  new.updated_at := now();
  return new;
end
$$;
revoke all on function private.completions_before_write() from public, anon, authenticated, service_role;

-- The median progress (0–100) of each course's active learners, for the courses whose progress
-- the current user may follow (as staff, as a leader of some of its learners, or as platform
-- admin). A course with fewer than five active learners has no median here: with so few, a
-- median would tell a leader about people they do not lead.
create or replace function private.course_median_progress(course_ids uuid[])
returns table (course_id uuid, median numeric)
language plpgsql stable security definer set search_path = ''
as $$
declare
  everyone boolean := coalesce(current_setting('role', true), '') = 'service_role'
    or (coalesce(current_setting('role', true), 'none') = 'none'
        and exists (select 1 from pg_catalog.pg_roles where rolname = session_user and (rolsuper or rolbypassrls)))
    or private.is_platform_admin();
  allowed uuid[] := case when everyone then course_ids
    else array(
      select unnest(course_ids)
      intersect
      select unnest(private.staffed_course_ids_array() || private.followed_course_ids_array())
    ) end;
begin
  return query
    select p.course_id,
           round((percentile_cont(0.5) within group (
             order by case when p.visible = 0 then 0 else p.done * 100.0 / p.visible end))::numeric, 1)
    from private.course_progress(allowed) p
    join public.enrolments e on e.course_id = p.course_id and e.user_id = p.user_id
    where e.role = 'learner' and e.status = 'active'
    group by p.course_id
    having count(*) >= 5;
end
$$;
revoke all on function private.course_median_progress(course_ids uuid[]) from public, anon, authenticated, service_role;
grant execute on function private.course_median_progress(course_ids uuid[]) to authenticated, service_role;

-- Progress of every enrolment of some courses, as the system computes it for learner-group
-- criteria, and the course median that marks a learner "behind" on the leader dashboard.
--
-- Progress % = completed activities the learner can see / activities the learner can see. An
-- activity with restrictions counts only for the effective members (at the given time) of one
-- of its groups.
create or replace function private.course_progress(course_ids uuid[], at timestamptz default now())
returns table (course_id uuid, user_id uuid, visible integer, done integer)
language plpgsql stable security definer set search_path = ''
as $$
begin
  return query
    with acts as materialized (
      select a.id, a.course_id,
             exists (select 1 from private.activity_allowed_groups() r where r.activity_id = a.id) as restricted
      from public.activities a where a.course_id = any (course_ids)
    ),
    open_restricted as materialized (
      select distinct a.id as activity_id, a.course_id, m.user_id
      from acts a
      join private.activity_allowed_groups() r on r.activity_id = a.id
      join public.group_closure c on c.ancestor_id = r.group_id
      join public.group_members m on m.group_id = c.descendant_id
      where a.restricted and m.valid_from <= at and m.valid_until > at
    ),
    unrestricted_counts as (
      select a.course_id, count(*)::integer as n from acts a where not a.restricted group by a.course_id
    ),
    open_counts as (
      select o.course_id, o.user_id, count(*)::integer as n from open_restricted o group by o.course_id, o.user_id
    ),
    done_counts as (
      select cp.course_id, cp.user_id, count(*)::integer as n
      from public.completions cp join acts a on a.id = cp.activity_id
      where cp.course_id = any (course_ids) and cp.completed_at is not null
        and (not a.restricted
             or exists (select 1 from open_restricted o where o.activity_id = a.id and o.user_id = cp.user_id))
      group by cp.course_id, cp.user_id
    )
    select e.course_id, e.user_id,
           coalesce(u.n, 0) + coalesce(oc.n, 0),
           coalesce(d.n, 0)
    from public.enrolments e
    left join unrestricted_counts u on u.course_id = e.course_id
    left join open_counts oc on oc.course_id = e.course_id and oc.user_id = e.user_id
    left join done_counts d on d.course_id = e.course_id and d.user_id = e.user_id
    where e.course_id = any (course_ids);
end
$$;
revoke all on function private.course_progress(course_ids uuid[], at timestamp with time zone) from public, anon, authenticated, service_role;
grant execute on function private.course_progress(course_ids uuid[], at timestamp with time zone) to service_role;

-- A leader of a course group follows its learners in that course only.
--
-- Leaders follow the learners of the groups they lead (where the group lets its leaders see
-- progress). Leadership of a platform or organisation group (a cohort's, a mentor group's) follows
-- them into every course they take; leadership of a course group (or of a group below it) follows
-- them in that group's course alone: a course group's leader is often a learner (an automatic team
-- leader), who must not see their teammates' progress in other courses they share.
-- Learners followed everywhere: members below groups led outside any course.
create or replace function private.followed_user_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  uid uuid := auth.uid();
begin
  return array(
    select distinct f.learner_id from private.followings f
    where f.leader_id = uid and f.course_id is null
  );
end
$$;
revoke all on function private.followed_user_ids_array() from public, anon, authenticated, service_role;

-- Who to tell that these learners' progress in these courses changed: the leaders who follow
-- them there, and the courses' active instructors and assistants. The system asks it (it names
-- other people's leaders), so only service_role may call it.
create or replace function private.progress_watcher_ids(course_ids uuid[], user_ids uuid[])
returns setof uuid
language sql stable security definer set search_path = ''
as $$
  select f.leader_id from private.followings f
  where f.learner_id = any (user_ids) and (f.course_id is null or f.course_id = any (course_ids))
  union
  select e.user_id from public.enrolments e
  where e.course_id = any (course_ids) and e.role in ('instructor', 'assistant') and e.status = 'active'
$$;
revoke all on function private.progress_watcher_ids(course_ids uuid[], user_ids uuid[]) from public, anon, authenticated, service_role;
grant execute on function private.progress_watcher_ids(course_ids uuid[], user_ids uuid[]) to service_role;

-- Restricted activities open to each learner, for those who may see them (course-group leaders
-- limited to their course).
create or replace function private.open_restricted_activities(course_ids uuid[], user_ids uuid[])
returns table (activity_id uuid, user_id uuid)
language plpgsql stable security definer set search_path = ''
as $$
declare
  uid uuid := auth.uid();
  -- The system: service_role, or a session that bypasses RLS anyway (the owner, benchmarks).
  everyone boolean := coalesce(current_setting('role', true), '') = 'service_role'
    or (coalesce(current_setting('role', true), 'none') = 'none'
        and exists (select 1 from pg_catalog.pg_roles where rolname = session_user and (rolsuper or rolbypassrls)))
    or private.is_platform_admin();
  staffed uuid[] := case when everyone then '{}' else private.staffed_course_ids_array() end;
begin
  return query
    with followed as materialized (
      select f.id from unnest(case when everyone then '{}'::uuid[] else private.followed_user_ids_array() end) as f(id)
    ),
    in_course as materialized (
      select p.course_id, p.user_id from private.course_followed_pairs() p where not everyone
    ),
    wanted as materialized (select distinct w.id from unnest(user_ids) as w(id))
    select distinct r.activity_id, m.user_id
    from private.activity_allowed_groups() r
    join public.activities a on a.id = r.activity_id and a.course_id = any (course_ids)
    join public.effective_members m on m.group_id = r.group_id
    join wanted on wanted.id = m.user_id
    where (everyone or m.user_id = uid or a.course_id = any (staffed)
           or m.user_id in (select followed.id from followed)
           or (a.course_id, m.user_id) in (select i.course_id, i.user_id from in_course i));
end
$$;
revoke all on function private.open_restricted_activities(course_ids uuid[], user_ids uuid[]) from public, anon, authenticated, service_role;
grant execute on function private.open_restricted_activities(course_ids uuid[], user_ids uuid[]) to authenticated, service_role;

-- Restricted activities of a course the current user cannot open, shown to them locked: no
-- description, and no word of which groups may open them; only whether any group of the course
-- would do (any_group), so the app can explain in terms of the person's own groups. An activity
-- with a restriction marked hidden is left out altogether.
create or replace function private.restricted_activity_stubs(target_course uuid)
returns table (id uuid, title text, type text, due_at timestamptz, "position" integer, any_group boolean)
language sql stable security definer set search_path = ''
as $$
  select a.id, a.title, a.type, a.due_at, a.position,
         exists (select 1 from public.activity_restrictions r where r.activity_id = a.id and r.any_group)
  from public.activities a
  where a.course_id = target_course
    and a.course_id = any (private.visible_course_ids_array())
    and a.id = any (private.closed_activity_ids_array())
    and not exists (select 1 from public.activity_restrictions r where r.activity_id = a.id and r.hidden)
$$;
revoke all on function private.restricted_activity_stubs(target_course uuid) from public, anon, authenticated, service_role;
grant execute on function private.restricted_activity_stubs(target_course uuid) to authenticated, service_role;

-- Marks the person active now, unless they already were in the last five minutes (so a busy
-- person costs one write every five minutes, not one per request). The triggers
-- learner_events_touch_activity and messages_touch_activity call it through
-- touch_activity_of_rows; session checks call it too (src/lib/server/auth/session.ts).
create or replace function private.touch_activity(person uuid) returns void
language sql security definer set search_path = ''
as $$
  insert into public.person_activity as a (user_id, last_seen_at) values (person, now())
  on conflict (user_id) do update set last_seen_at = now()
  where a.last_seen_at < now() - interval '5 minutes'
$$;
revoke all on function private.touch_activity(person uuid) from public, anon, authenticated, service_role;
grant execute on function private.touch_activity(person uuid) to service_role;

create or replace function private.touch_activity_of_rows() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  -- tg_argv[0] names the column holding the person ('user_id', 'author_id').
  perform private.touch_activity(p.id)
  from (select distinct (to_jsonb(r) ->> tg_argv[0])::uuid as id from new_rows r) p
  where p.id is not null;
  return null;
end
$$;
revoke all on function private.touch_activity_of_rows() from public, anon, authenticated, service_role;

-- Triggers ----------------------------------------------------------------------------------------

-- Every learner event (a sign-in, a course view, a post) makes the person active now.
create trigger learner_events_touch_activity after insert on public.learner_events
  referencing new table as new_rows for each statement
  execute function private.touch_activity_of_rows('user_id');

-- So does every message they post (channels, threads, direct messages).
create trigger messages_touch_activity after insert on public.messages
  referencing new table as new_rows for each statement
  execute function private.touch_activity_of_rows('author_id');

create trigger activities_before_write before insert or update on public.activities
  for each row execute function private.activities_before_write();

create trigger activity_restrictions_before_insert before insert on public.activity_restrictions
  for each row execute function private.activity_restrictions_before_insert();

create trigger completions_before_write before insert or update on public.completions
  for each row execute function private.completions_before_write();

-- Policies ----------------------------------------------------------------------------------------

create policy "people see when those they follow or teach were last active"
  on public.person_activity for select to authenticated
  using (
    (select private.is_platform_admin())
    or user_id = (select auth.uid())
    or user_id in (select private.followed_user_ids())
    or exists (
      select 1 from public.enrolments e
      where e.user_id = person_activity.user_id
        and e.course_id = any ((select private.staffed_course_ids_array())::uuid[]))
  );

create policy "participants see the activities open to them and staff and leaders see all"
  on public.activities for select to authenticated
  using (
    (select private.is_platform_admin())
    or course_id = any ((select private.staffed_course_ids_array())::uuid[])
    or course_id = any ((select private.followed_course_ids_array())::uuid[])
    or (
      course_id = any ((select private.visible_course_ids_array())::uuid[])
      and not id = any ((select private.closed_activity_ids_array())::uuid[])
    )
  );

create policy "course managers add activities"
  on public.activities for insert to authenticated
  with check ((select private.is_platform_admin()) or course_id in (select private.managed_course_ids()));

create policy "course managers edit activities"
  on public.activities for update to authenticated
  using ((select private.is_platform_admin()) or course_id in (select private.managed_course_ids()))
  with check ((select private.is_platform_admin()) or course_id in (select private.managed_course_ids()));

create policy "course managers delete activities"
  on public.activities for delete to authenticated
  using ((select private.is_platform_admin()) or course_id in (select private.managed_course_ids()));

-- Who may open a restricted activity is shown to staff, and to people who can see the group.
create policy "staff see restrictions and others those naming groups they can see"
  on public.activity_restrictions for select to authenticated
  using (
    (select private.is_platform_admin())
    or course_id = any ((select private.staffed_course_ids_array())::uuid[])
    or (
      group_id in (select private.visible_group_ids())
      and activity_id in (select a.id from public.activities a)
    )
  );

create policy "course managers restrict activities"
  on public.activity_restrictions for insert to authenticated
  with check ((select private.is_platform_admin()) or course_id in (select private.managed_course_ids()));

create policy "course managers lift restrictions"
  on public.activity_restrictions for delete to authenticated
  using ((select private.is_platform_admin()) or course_id in (select private.managed_course_ids()));

-- A learner marks an activity they can open, that allows it, in a course they actively take,
-- without a score; staff record anything in their courses.
create policy "learners complete open activities and staff record completions"
  on public.completions for insert to authenticated
  with check (
    (select private.is_platform_admin())
    or (
      (
        course_id = any ((select private.staffed_course_ids_array())::uuid[])
        and (
          not activity_id = any ((select private.group_limited_activity_ids_array())::uuid[])
          or (activity_id, user_id) in (
          select (l.p).activity_id, (l.p).user_id from (select private.group_limited_activity_learners() as p) l)
        )
      )
      and source in ('staff', 'ingest')
      and recorded_by = (select auth.uid())
    )
    or (
      user_id = (select auth.uid()) and source = 'self' and score is null
      and activity_id in (select a.id from public.activities a where a.self_completion)
      and course_id in (
        select e.course_id from public.enrolments e
        where e.user_id = (select auth.uid()) and e.status = 'active' and e.role = 'learner'
      )
    )
  );

create policy "learners change their own marks and staff any record in their courses"
  on public.completions for update to authenticated
  using (
    (select private.is_platform_admin())
    or (
      course_id = any ((select private.staffed_course_ids_array())::uuid[])
      and (
        not activity_id = any ((select private.group_limited_activity_ids_array())::uuid[])
        or (activity_id, user_id) in (
          select (l.p).activity_id, (l.p).user_id from (select private.group_limited_activity_learners() as p) l)
      )
    )
    or (user_id = (select auth.uid()) and source = 'self' and score is null)
  )
  with check (
    (select private.is_platform_admin())
    or (
      (
        course_id = any ((select private.staffed_course_ids_array())::uuid[])
        and (
          not activity_id = any ((select private.group_limited_activity_ids_array())::uuid[])
          or (activity_id, user_id) in (
          select (l.p).activity_id, (l.p).user_id from (select private.group_limited_activity_learners() as p) l)
        )
      )
      and source in ('staff', 'ingest') and recorded_by = (select auth.uid())
    )
    or (
      user_id = (select auth.uid()) and source = 'self' and score is null
      and activity_id in (select a.id from public.activities a where a.self_completion)
    )
  );

create policy "learners unmark their own marks and staff remove any record in their courses"
  on public.completions for delete to authenticated
  using (
    (select private.is_platform_admin())
    or (
      course_id = any ((select private.staffed_course_ids_array())::uuid[])
      and (
        not activity_id = any ((select private.group_limited_activity_ids_array())::uuid[])
        or (activity_id, user_id) in (
          select (l.p).activity_id, (l.p).user_id from (select private.group_limited_activity_learners() as p) l)
      )
    )
    or (user_id = (select auth.uid()) and source = 'self' and score is null)
  );

create policy "course staff see the statements their course received"
  on public.ingested_statements for select to authenticated
  using (
    (select private.is_platform_admin())
    or course_id = any ((select private.staffed_course_ids_array())::uuid[])
  );

create policy "course staff record received statements"
  on public.ingested_statements for insert to authenticated
  with check (
    (select private.is_platform_admin())
    or (course_id = any ((select private.staffed_course_ids_array())::uuid[]) and received_by = (select auth.uid()))
  );

-- Sign-ins are recorded by the system; people record their own views and posts in their courses.
create policy "people record their own activity in their courses"
  on public.learner_events for insert to authenticated
  with check (
    user_id = (select auth.uid()) and kind in ('course_view', 'post')
    and course_id = any ((select private.visible_course_ids_array())::uuid[])
  );

create policy "course participants see the course's progress settings"
  on public.course_progress_settings for select to authenticated
  using (
    (select private.is_platform_admin())
    or course_id = any ((select private.visible_course_ids_array())::uuid[])
    or course_id = any ((select private.staffed_course_ids_array())::uuid[])
  );

create policy "course staff and admins create progress settings"
  on public.course_progress_settings for insert to authenticated
  with check (
    (select private.is_platform_admin())
    or course_id = any ((select private.staffed_course_ids_array())::uuid[])
  );

create policy "course staff and admins change progress settings"
  on public.course_progress_settings for update to authenticated
  using (
    (select private.is_platform_admin())
    or course_id = any ((select private.staffed_course_ids_array())::uuid[])
  )
  with check (
    (select private.is_platform_admin())
    or course_id = any ((select private.staffed_course_ids_array())::uuid[])
  );

create policy "learners see their own completions, staff their course's, leaders their learners'"
  on public.completions for select to authenticated
  using (
    (select private.is_platform_admin())
    or user_id = (select auth.uid())
    or (
      course_id = any ((select private.staffed_course_ids_array())::uuid[])
      and (
        not activity_id = any ((select private.group_limited_activity_ids_array())::uuid[])
        or (activity_id, user_id) in (
          select (l.p).activity_id, (l.p).user_id from (select private.group_limited_activity_learners() as p) l)
      )
    )
    or user_id in (select private.followed_user_ids())
    or (course_id, user_id) in (
      select (f.p).course_id, (f.p).user_id from (select private.course_followed_pairs() as p) f)
  );

create policy "people see their own events, staff their course's, leaders their learners'"
  on public.learner_events for select to authenticated
  using (
    (select private.is_platform_admin())
    or user_id = (select auth.uid())
    or course_id = any ((select private.staffed_course_ids_array())::uuid[])
    or user_id in (select private.followed_user_ids())
    or (course_id, user_id) in (
      select (f.p).course_id, (f.p).user_id from (select private.course_followed_pairs() as p) f)
  );

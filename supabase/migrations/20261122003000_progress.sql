-- Progress facts: course activities (optionally restricted to groups), completions and scores
-- (by the learner, by staff, or ingested from another system), and learner events (sign-ins,
-- course views, posts). Leaders follow the learners of the groups they lead: they see those
-- learners' enrolments, courses, activities, completions and events, and nothing of anyone else.

-- People carry an optional idnumber, the key external systems (an LMS) use for them.
alter table public.users add column idnumber text
  check (idnumber is null or length(btrim(idnumber)) between 1 and 100);
create unique index users_idnumber_key on public.users (idnumber) where idnumber is not null;

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
  updated_at timestamptz not null default now()
);
create index activities_course_idx on public.activities (course_id, position);
create unique index activities_course_idnumber_key on public.activities (course_id, idnumber)
  where idnumber is not null;
create index activities_idnumber_idx on public.activities (idnumber) where idnumber is not null;
alter table public.activities enable row level security;
alter table public.activities force row level security;

-- Effective members of any listed group may see and use the activity; staff always may.
create table public.activity_restrictions (
  activity_id uuid not null references public.activities (id) on delete cascade,
  group_id uuid not null references public.groups (id) on delete cascade,
  course_id uuid not null references public.courses (id) on delete cascade,
  created_by uuid references public.users (id) on delete set null,
  created_at timestamptz not null default now(),
  primary key (activity_id, group_id)
);
create index activity_restrictions_group_idx on public.activity_restrictions (group_id);
create index activity_restrictions_course_idx on public.activity_restrictions (course_id);
alter table public.activity_restrictions enable row level security;
alter table public.activity_restrictions force row level security;

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

-- Sign-ins (no course), course page views and posts. Facts, never edited.
create table public.learner_events (
  id bigint generated always as identity primary key,
  user_id uuid not null references public.users (id) on delete cascade,
  course_id uuid references public.courses (id) on delete cascade,
  kind text not null check (kind in ('sign_in', 'course_view', 'post')),
  occurred_at timestamptz not null default now()
);
create index learner_events_user_idx on public.learner_events (user_id, occurred_at desc);
create index learner_events_course_user_idx on public.learner_events (course_id, user_id, occurred_at desc);
alter table public.learner_events enable row level security;
alter table public.learner_events force row level security;

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

-- Maintenance -------------------------------------------------------------------------------------

create or replace function private.activities_before_write() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' and new.course_id is distinct from old.course_id then
    raise exception 'An activity cannot move to another course.' using errcode = '23514';
  end if;
  new.updated_at := now();
  return new;
end
$$;
create trigger activities_before_write before insert or update on public.activities
  for each row execute function private.activities_before_write();

-- A restriction names a group of the activity's own course; its course is the activity's.
create or replace function private.activity_restrictions_before_insert() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  select a.course_id into new.course_id from public.activities a where a.id = new.activity_id;
  if not exists (select 1 from public.groups g where g.id = new.group_id and g.course_id = new.course_id) then
    raise exception 'Restrict an activity to groups of its own course.' using errcode = '23514';
  end if;
  return new;
end
$$;
create trigger activity_restrictions_before_insert before insert on public.activity_restrictions
  for each row execute function private.activity_restrictions_before_insert();

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
create trigger completions_before_write before insert or update on public.completions
  for each row execute function private.completions_before_write();

-- Audit: one function for every progress table; all of them carry course_id.
create or replace function private.audit_progress_change() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  row_new jsonb := case when tg_op = 'DELETE' then null else to_jsonb(new) end;
  row_old jsonb := case when tg_op = 'INSERT' then null else to_jsonb(old) end;
  subject jsonb := coalesce(row_new, row_old);
  course uuid := (subject ->> 'course_id')::uuid;
  org uuid;
begin
  if tg_op = 'UPDATE' and (row_new - 'updated_at') = (row_old - 'updated_at') then
    return null;
  end if;
  select c.organisation_id into org from public.courses c where c.id = course;
  insert into public.audit_events (actor_id, action, organisation_id, course_id, group_id, subject_user_id, via, data)
  values (
    (select auth.uid()),
    tg_table_name || '.' || lower(tg_op),
    org,
    course,
    (subject ->> 'group_id')::uuid,
    (subject ->> 'user_id')::uuid,
    private.audit_via(),
    jsonb_build_object('old', row_old, 'new', row_new)
  );
  return null;
end
$$;
create trigger activities_audit after insert or update or delete on public.activities
  for each row execute function private.audit_progress_change();
create trigger activity_restrictions_audit after insert or delete on public.activity_restrictions
  for each row execute function private.audit_progress_change();
create trigger completions_audit after insert or update or delete on public.completions
  for each row execute function private.audit_progress_change();
create trigger course_progress_settings_audit after insert or update on public.course_progress_settings
  for each row execute function private.audit_progress_change();

-- Policy helpers --------------------------------------------------------------------------------

-- The groups whose effective members may open each restricted activity. The one place that says
-- what a restriction means: a grouping restriction joins its groups in here.
create or replace function private.activity_allowed_groups()
returns table (activity_id uuid, group_id uuid)
language sql stable security definer set search_path = ''
as $$
  select r.activity_id, r.group_id from public.activity_restrictions r
$$;

-- Learners whose progress the current user follows: the member-role people of every group below
-- a group they lead (that lets its leaders see progress), themselves excluded.
create or replace function private.followed_user_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  uid uuid := auth.uid();
begin
  return array(
    select distinct m.user_id
    from public.group_members l
    join public.groups lg on lg.id = l.group_id and lg.leaders_see_progress
    join public.group_closure c on c.ancestor_id = l.group_id
    join public.group_members m on m.group_id = c.descendant_id
    where l.user_id = uid and l.role = 'leader' and l.valid_from <= now() and l.valid_until > now()
      and m.role = 'member' and m.valid_from <= now() and m.valid_until > now() and m.user_id <> uid
  );
end
$$;

-- Courses the learners the current user follows are enrolled in as learners.
create or replace function private.followed_course_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  followed uuid[] := private.followed_user_ids_array();
begin
  return array(
    select distinct e.course_id from public.enrolments e
    where e.user_id = any (followed) and e.role = 'learner'
  );
end
$$;

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

-- Which restricted activities each of these learners may open (pairs), for progress: an activity
-- counts for a learner only if they can see it. Answers only for people whose progress the
-- current user may see (themselves, the learners of courses they staff, the learners they
-- follow); the system sees everyone.
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
  followed uuid[] := case when everyone then '{}' else private.followed_user_ids_array() end;
begin
  return query
    select distinct r.activity_id, m.user_id
    from private.activity_allowed_groups() r
    join public.activities a on a.id = r.activity_id and a.course_id = any (course_ids)
    join public.group_closure c on c.ancestor_id = r.group_id
    join public.group_members m on m.group_id = c.descendant_id
    where m.user_id = any (user_ids) and m.valid_from <= now() and m.valid_until > now()
      and (everyone or m.user_id = uid or a.course_id = any (staffed) or m.user_id = any (followed));
end
$$;

-- Courses where learner groups are switched on.
create or replace function private.learner_group_course_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
begin
  return array(select course_id from public.course_progress_settings where learner_groups_enabled);
end
$$;

-- Restricted activities of a course the current user can open, shown to them as restricted: no
-- description, and no word of which groups may open them.
create or replace function private.restricted_activity_stubs(target_course uuid)
returns table (id uuid, title text, type text, due_at timestamptz, "position" integer)
language sql stable security definer set search_path = ''
as $$
  select a.id, a.title, a.type, a.due_at, a.position from public.activities a
  where a.course_id = target_course
    and a.course_id = any (private.visible_course_ids_array())
    and a.id = any (private.closed_activity_ids_array())
$$;

revoke all on all functions in schema private from public;
grant execute on all functions in schema private to anon, authenticated, service_role;

-- Privileges ------------------------------------------------------------------------------------

revoke update on public.activities, public.completions, public.course_progress_settings,
  public.activity_restrictions, public.ingested_statements, public.learner_events from anon, authenticated;
grant update (idnumber, title, description, type, due_at, self_completion, max_score, position)
  on public.activities to anon, authenticated;
grant update (completed_at, score, scored_at, source, recorded_by) on public.completions to anon, authenticated;
grant update (learner_groups_enabled, inactive_days, updated_by) on public.course_progress_settings
  to anon, authenticated;

-- Policies --------------------------------------------------------------------------------------

-- Leaders follow their learners into the courses they take.
create policy "leaders see the enrolments of the learners they follow"
  on public.enrolments for select to authenticated
  using (user_id = any ((select private.followed_user_ids_array())::uuid[]));
create policy "leaders see the courses of the learners they follow"
  on public.courses for select to authenticated
  using (id = any ((select private.followed_course_ids_array())::uuid[]));

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

create policy "learners see their own completions, staff their course's, leaders their learners'"
  on public.completions for select to authenticated
  using (
    (select private.is_platform_admin())
    or user_id = (select auth.uid())
    or course_id = any ((select private.staffed_course_ids_array())::uuid[])
    or user_id = any ((select private.followed_user_ids_array())::uuid[])
  );
-- A learner marks an activity they can open, that allows it, in a course they actively take,
-- without a score; staff record anything in their courses.
create policy "learners complete open activities and staff record completions"
  on public.completions for insert to authenticated
  with check (
    (select private.is_platform_admin())
    or (
      course_id = any ((select private.staffed_course_ids_array())::uuid[])
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
    or course_id = any ((select private.staffed_course_ids_array())::uuid[])
    or (user_id = (select auth.uid()) and source = 'self' and score is null)
  )
  with check (
    (select private.is_platform_admin())
    or (
      course_id = any ((select private.staffed_course_ids_array())::uuid[])
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
    or course_id = any ((select private.staffed_course_ids_array())::uuid[])
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

create policy "people see their own events, staff their course's, leaders their learners'"
  on public.learner_events for select to authenticated
  using (
    (select private.is_platform_admin())
    or user_id = (select auth.uid())
    or course_id = any ((select private.staffed_course_ids_array())::uuid[])
    or user_id = any ((select private.followed_user_ids_array())::uuid[])
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

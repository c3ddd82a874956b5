-- Course self-enrolment with a key (issue 13): per course on or off, open and close dates and the
-- role people get; the course's key and its groups' keys, each unique within the course, in one
-- table that only the course's managers can read (learners never see a key: they send one to
-- private.self_enrol, which compares it here). A person who enrols with a group's key lands in
-- that group. Wrong keys are throttled by the app (public.sign_in_throttle, per person and
-- address).

-- Triggers, in firing order (before statement, before row, after row, after statement; by name
-- within each; deferred constraint triggers at commit):
--   public.course_self_enrolment:
--     course_self_enrolment_touch: before update, each row
--   public.course_enrolment_keys:
--     course_enrolment_keys_before_write: before insert or update, each row

set check_function_bodies = off;

create table public.course_self_enrolment (
  course_id uuid primary key references public.courses (id) on delete cascade,
  enabled boolean not null default false,
  opens_at timestamptz,
  closes_at timestamptz,
  -- The role a person who enrols themselves gets (never instructor: that takes a manager).
  default_role text not null default 'learner' check (default_role in ('learner', 'assistant')),
  updated_by uuid references public.users (id) on delete set null,
  updated_at timestamptz not null default now(),
  check (closes_at is null or opens_at is null or closes_at > opens_at)
);
create index course_self_enrolment_updated_by_idx on public.course_self_enrolment (updated_by);
alter table public.course_self_enrolment enable row level security;
alter table public.course_self_enrolment force row level security;
revoke all on table public.course_self_enrolment from anon, authenticated, service_role;
grant insert, select, delete on table public.course_self_enrolment to anon;
grant insert, select, delete on table public.course_self_enrolment to authenticated;
grant insert, select, update, delete on table public.course_self_enrolment to service_role;
grant update (enabled, opens_at, closes_at, default_role, updated_by) on table public.course_self_enrolment to anon;
grant update (enabled, opens_at, closes_at, default_role, updated_by) on table public.course_self_enrolment to authenticated;

-- group_id null: the course's own key (one per course); else the key of that course group.
-- The app checks a key against the password policy (src/lib/server/auth/password.ts) before it
-- is written; keys compare exactly (case matters), as Moodle's do.
create table public.course_enrolment_keys (
  id uuid primary key default gen_random_uuid(),
  course_id uuid not null references public.courses (id) on delete cascade,
  group_id uuid references public.groups (id) on delete cascade,
  key text not null check (length(key) between 10 and 256),
  created_by uuid references public.users (id) on delete set null,
  created_at timestamptz not null default now(),
  unique (course_id, key)
);
create unique index course_enrolment_keys_course_key on public.course_enrolment_keys (course_id) where group_id is null;
create unique index course_enrolment_keys_group_key on public.course_enrolment_keys (group_id) where group_id is not null;
create index course_enrolment_keys_created_by_idx on public.course_enrolment_keys (created_by);
alter table public.course_enrolment_keys enable row level security;
alter table public.course_enrolment_keys force row level security;
revoke all on table public.course_enrolment_keys from anon, authenticated, service_role;
grant insert, select, delete on table public.course_enrolment_keys to anon;
grant insert, select, delete on table public.course_enrolment_keys to authenticated;
grant insert, select, update, delete on table public.course_enrolment_keys to service_role;
grant update (key) on table public.course_enrolment_keys to anon;
grant update (key) on table public.course_enrolment_keys to authenticated;

-- Functions ---------------------------------------------------------------------------------------

create or replace function private.course_enrolment_keys_before_write() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if new.group_id is not null and not exists (
    select 1 from public.groups where id = new.group_id and course_id = new.course_id
  ) then
    raise exception 'A group enrolment key belongs to a group of its own course.'
      using errcode = '23514', hint = 'other_course';
  end if;
  return new;
end
$$;
revoke all on function private.course_enrolment_keys_before_write() from public, anon, authenticated, service_role;

create or replace function private.course_self_enrolment_touch() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end
$$;
revoke all on function private.course_self_enrolment_touch() from public, anon, authenticated, service_role;

-- The organisation's people, as its groups' scope counts them (05_memberships.sql): its members
-- and the participants of its courses. Self-enrolment is for them; anyone else is invited.
create or replace function private.is_organisation_person(organisation uuid, person uuid) returns boolean
language sql stable security definer set search_path = ''
as $$
  select exists (
    select 1 from public.organisation_members m
    where m.organisation_id = organisation and m.user_id = person
  ) or exists (
    select 1 from public.enrolments e join public.courses c on c.id = e.course_id
    where c.organisation_id = organisation and e.user_id = person
  )
$$;
revoke all on function private.is_organisation_person(organisation uuid, person uuid) from public, anon, authenticated, service_role;

-- Courses the current user may enrol themselves in now: self-enrolment on, within its dates, in
-- an organisation they belong to (a member, or in one of its courses: scope as groups count it), and not enrolled yet. Only what
-- the Enrol page shows: never a key.
create or replace function private.self_enrolment_courses()
returns table (course_id uuid, code text, name text, organisation_name text, closes_at timestamptz)
language sql stable security definer set search_path = ''
as $$
  select c.id, c.code, c.name, o.name, s.closes_at
  from public.course_self_enrolment s
  join public.courses c on c.id = s.course_id
  join public.organisations o on o.id = c.organisation_id
  where s.enabled
    and (s.opens_at is null or s.opens_at <= now())
    and (s.closes_at is null or s.closes_at > now())
    and private.is_organisation_person(c.organisation_id, auth.uid())
    and not exists (
      select 1 from public.enrolments e where e.course_id = c.id and e.user_id = auth.uid()
    )
  order by lower(c.code), c.id
$$;
revoke all on function private.self_enrolment_courses() from public, anon, authenticated, service_role;
grant execute on function private.self_enrolment_courses() to authenticated, service_role;

-- Enrols the current user in a course with its key or one of its groups' keys. Answers an
-- outcome rather than raising, so the app can count a wrong key (which it throttles):
--   'closed'    self-enrolment is off or outside its dates, or the person is not in the
--               course's organisation (the same answer: nothing tells whether the course exists);
--   'wrong_key' no key of the course matches;
--   'already'   the course key from someone enrolled already (a group key still adds the group);
--   'enrolled'  enrolled with the default role (and into the key's group: group_name, or
--               group_full when the group had no place, with the enrolment kept).
-- A suspended enrolment is not reactivated by a key: that takes the course's staff.
create or replace function private.self_enrol(target_course uuid, given_key text)
returns table (outcome text, enrolled_role text, group_id uuid, group_name text, group_full boolean)
language plpgsql volatile security definer set search_path = ''
as $$
declare
  uid uuid := auth.uid();
  settings public.course_self_enrolment;
  matched public.course_enrolment_keys;
  existing public.enrolments;
  chosen_group_name text;
  no_place boolean := false;
begin
  if uid is null then
    raise exception 'Sign in to enrol.' using errcode = '42501';
  end if;
  select * into settings from public.course_self_enrolment s where s.course_id = target_course;
  if not found or not settings.enabled
     or (settings.opens_at is not null and settings.opens_at > now())
     or (settings.closes_at is not null and settings.closes_at <= now())
     or not private.is_organisation_person(
       (select c.organisation_id from public.courses c where c.id = target_course), uid
     ) then
    return query select 'closed'::text, null::text, null::uuid, null::text, false;
    return;
  end if;
  select * into matched from public.course_enrolment_keys k
  where k.course_id = target_course and k.key = given_key;
  if not found then
    return query select 'wrong_key'::text, null::text, null::uuid, null::text, false;
    return;
  end if;
  select * into existing from public.enrolments e where e.course_id = target_course and e.user_id = uid;
  if found and matched.group_id is null then
    return query select 'already'::text, existing.role, null::uuid, null::text, false;
    return;
  end if;
  if not found then
    insert into public.enrolments (course_id, user_id, role, status, source)
    values (target_course, uid, settings.default_role, 'active', 'self');
  end if;
  if matched.group_id is not null then
    select g.name into chosen_group_name from public.groups g where g.id = matched.group_id;
    begin
      insert into public.group_members (group_id, user_id, role, source, added_by)
      values (matched.group_id, uid, 'member', 'self', uid)
      on conflict on constraint group_members_pkey do nothing;
    exception when check_violation then
      -- The group's size limit or its grouping's member limit: the enrolment stays.
      no_place := true;
    end;
  end if;
  return query select 'enrolled'::text, coalesce(existing.role, settings.default_role),
    matched.group_id, chosen_group_name, no_place;
end
$$;
revoke all on function private.self_enrol(target_course uuid, given_key text) from public, anon, authenticated, service_role;
grant execute on function private.self_enrol(target_course uuid, given_key text) to authenticated;

-- Triggers ----------------------------------------------------------------------------------------

create trigger course_enrolment_keys_before_write before insert or update on public.course_enrolment_keys
  for each row execute function private.course_enrolment_keys_before_write();

create trigger course_self_enrolment_touch before update on public.course_self_enrolment
  for each row execute function private.course_self_enrolment_touch();

-- Policies ----------------------------------------------------------------------------------------

create policy "course managers see their courses' self-enrolment settings"
  on public.course_self_enrolment for select to authenticated
  using ((select private.is_platform_admin()) or course_id in (select private.managed_course_ids()));

create policy "course managers set up self-enrolment"
  on public.course_self_enrolment for insert to authenticated
  with check ((select private.is_platform_admin()) or course_id in (select private.managed_course_ids()));

create policy "course managers change self-enrolment"
  on public.course_self_enrolment for update to authenticated
  using ((select private.is_platform_admin()) or course_id in (select private.managed_course_ids()))
  with check ((select private.is_platform_admin()) or course_id in (select private.managed_course_ids()));

create policy "course managers remove self-enrolment"
  on public.course_self_enrolment for delete to authenticated
  using ((select private.is_platform_admin()) or course_id in (select private.managed_course_ids()));

create policy "course managers see their courses' enrolment keys"
  on public.course_enrolment_keys for select to authenticated
  using ((select private.is_platform_admin()) or course_id in (select private.managed_course_ids()));

create policy "course managers set enrolment keys"
  on public.course_enrolment_keys for insert to authenticated
  with check ((select private.is_platform_admin()) or course_id in (select private.managed_course_ids()));

create policy "course managers change enrolment keys"
  on public.course_enrolment_keys for update to authenticated
  using ((select private.is_platform_admin()) or course_id in (select private.managed_course_ids()))
  with check ((select private.is_platform_admin()) or course_id in (select private.managed_course_ids()));

create policy "course managers remove enrolment keys"
  on public.course_enrolment_keys for delete to authenticated
  using ((select private.is_platform_admin()) or course_id in (select private.managed_course_ids()));

-- Foundation: people, sessions, access tokens, organisations, courses and enrolments, with
-- row-level security on every table. Policy helpers live in the private schema as security
-- definer functions with an empty search_path, so policies never recurse into each other.

create schema if not exists private;
grant usage on schema private to anon, authenticated, service_role;

-- People ------------------------------------------------------------------------------------

create table public.users (
  id uuid primary key default gen_random_uuid(),
  email text not null check (email = lower(email) and length(email) between 3 and 254),
  display_name text not null check (length(btrim(display_name)) between 1 and 100),
  platform_role text not null default 'user' check (platform_role in ('admin', 'user')),
  disabled_at timestamptz,
  created_at timestamptz not null default now()
);
create unique index users_email_key on public.users (email);
create index users_display_name_idx on public.users (lower(display_name));
alter table public.users enable row level security;
alter table public.users force row level security;

-- Password hashes are readable by the system only (sign-in runs as service_role).
create table public.user_passwords (
  user_id uuid primary key references public.users (id) on delete cascade,
  hash text not null,
  updated_at timestamptz not null default now()
);
alter table public.user_passwords enable row level security;
alter table public.user_passwords force row level security;
revoke all on public.user_passwords from anon, authenticated;

-- id is the SHA-256 (hex) of the session token; the token itself is never stored.
create table public.sessions (
  id text primary key check (length(id) = 64),
  user_id uuid not null references public.users (id) on delete cascade,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index sessions_user_id_idx on public.sessions (user_id);
alter table public.sessions enable row level security;
alter table public.sessions force row level security;
revoke all on public.sessions from anon, authenticated;

-- Failed sign-ins, counted per key ('email:…' or 'ip:…') in a sliding window.
create table public.sign_in_throttle (
  key text primary key,
  failures integer not null default 0,
  window_started_at timestamptz not null default now(),
  locked_until timestamptz
);
alter table public.sign_in_throttle enable row level security;
alter table public.sign_in_throttle force row level security;
revoke all on public.sign_in_throttle from anon, authenticated;

-- Personal access tokens for the JSON API; token_hash is the SHA-256 (hex) of the token.
create table public.api_tokens (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.users (id) on delete cascade,
  name text not null check (length(btrim(name)) between 1 and 100),
  token_hash text not null unique check (length(token_hash) = 64),
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  expires_at timestamptz,
  revoked_at timestamptz
);
create index api_tokens_user_id_idx on public.api_tokens (user_id);
alter table public.api_tokens enable row level security;
alter table public.api_tokens force row level security;

-- Organisations and courses -------------------------------------------------------------------

create table public.organisations (
  id uuid primary key default gen_random_uuid(),
  name text not null check (length(btrim(name)) between 1 and 200),
  slug text not null unique check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(slug) <= 64),
  description text not null default '' check (length(description) <= 5000),
  created_by uuid references public.users (id) on delete set null,
  created_at timestamptz not null default now()
);
alter table public.organisations enable row level security;
alter table public.organisations force row level security;

create table public.organisation_members (
  organisation_id uuid not null references public.organisations (id) on delete cascade,
  user_id uuid not null references public.users (id) on delete cascade,
  role text not null default 'member' check (role in ('admin', 'member')),
  added_by uuid references public.users (id) on delete set null,
  added_at timestamptz not null default now(),
  primary key (organisation_id, user_id)
);
create index organisation_members_user_id_idx on public.organisation_members (user_id);
alter table public.organisation_members enable row level security;
alter table public.organisation_members force row level security;

create table public.courses (
  id uuid primary key default gen_random_uuid(),
  organisation_id uuid not null references public.organisations (id) on delete cascade,
  code text not null check (length(btrim(code)) between 1 and 50),
  name text not null check (length(btrim(name)) between 1 and 200),
  description text not null default '' check (length(description) <= 5000),
  created_by uuid references public.users (id) on delete set null,
  created_at timestamptz not null default now(),
  unique (organisation_id, code)
);
alter table public.courses enable row level security;
alter table public.courses force row level security;

create table public.enrolments (
  course_id uuid not null references public.courses (id) on delete cascade,
  user_id uuid not null references public.users (id) on delete cascade,
  role text not null default 'learner' check (role in ('learner', 'assistant', 'instructor')),
  status text not null default 'active' check (status in ('active', 'suspended')),
  source text not null default 'manual',
  enrolled_by uuid references public.users (id) on delete set null,
  enrolled_at timestamptz not null default now(),
  primary key (course_id, user_id)
);
create index enrolments_user_id_idx on public.enrolments (user_id);
create index enrolments_course_role_idx on public.enrolments (course_id, role, status);
alter table public.enrolments enable row level security;
alter table public.enrolments force row level security;

-- Audit ---------------------------------------------------------------------------------------

create table public.audit_events (
  id bigint generated always as identity primary key,
  actor_id uuid references public.users (id) on delete set null,
  action text not null,
  -- Plain ids, not foreign keys: history outlives what it describes.
  organisation_id uuid,
  course_id uuid,
  subject_user_id uuid,
  via text not null default 'app',
  data jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);
create index audit_events_organisation_idx on public.audit_events (organisation_id, created_at desc);
create index audit_events_course_idx on public.audit_events (course_id, created_at desc);
create index audit_events_actor_idx on public.audit_events (actor_id);
alter table public.audit_events enable row level security;
alter table public.audit_events force row level security;

-- Policy helpers --------------------------------------------------------------------------------

create or replace function private.is_platform_admin() returns boolean
language sql stable security definer set search_path = ''
as $$
  select exists (
    select 1 from public.users
    where id = (select auth.uid()) and platform_role = 'admin' and disabled_at is null
  )
$$;

-- Organisations where the current user is an admin.
create or replace function private.admin_organisation_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$
  select organisation_id from public.organisation_members
  where user_id = (select auth.uid()) and role = 'admin'
$$;

-- Organisations the current user belongs to, as a member or through an active enrolment (a
-- suspended learner loses sight of the organisation with the course).
create or replace function private.member_organisation_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$
  select organisation_id from public.organisation_members where user_id = (select auth.uid())
  union
  select c.organisation_id from public.enrolments e join public.courses c on c.id = e.course_id
  where e.user_id = (select auth.uid()) and e.status = 'active'
$$;

-- Courses the current user may open: active enrolments, and every course of an organisation
-- they administer.
create or replace function private.visible_course_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$
  select course_id from public.enrolments
  where user_id = (select auth.uid()) and status = 'active'
  union
  select c.id from public.courses c
  join public.organisation_members m on m.organisation_id = c.organisation_id
  where m.user_id = (select auth.uid()) and m.role = 'admin'
$$;

-- Courses whose whole participant list the current user may manage: org admins and active
-- instructors.
create or replace function private.managed_course_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$
  select course_id from public.enrolments
  where user_id = (select auth.uid()) and status = 'active' and role = 'instructor'
  union
  select c.id from public.courses c
  join public.organisation_members m on m.organisation_id = c.organisation_id
  where m.user_id = (select auth.uid()) and m.role = 'admin'
$$;

-- Courses where the current user is active staff (instructor or assistant) or an org admin:
-- they see every enrolment, suspended ones included.
create or replace function private.staffed_course_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$
  select course_id from public.enrolments
  where user_id = (select auth.uid()) and status = 'active' and role in ('instructor', 'assistant')
  union
  select id from private.managed_course_ids() as id
$$;

-- People the current user may see: themselves, fellow active participants of their courses,
-- everyone in the courses they staff, and members of the organisations they administer.
create or replace function private.visible_user_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$
  select (select auth.uid())
  union
  select e.user_id from public.enrolments e
  where e.course_id in (select private.visible_course_ids()) and e.status = 'active'
  union
  select e.user_id from public.enrolments e
  where e.course_id in (select private.staffed_course_ids())
  union
  select m.user_id from public.organisation_members m
  where m.organisation_id in (select private.admin_organisation_ids())
$$;

-- Resolves emails to accounts for the people who add others (platform and organisation admins,
-- instructors), so they can enrol someone they cannot see yet. Everyone else gets nothing.
create or replace function private.user_ids_by_email(emails text[])
returns table (email text, id uuid, display_name text)
language sql stable security definer set search_path = ''
as $$
  select u.email, u.id, u.display_name from public.users u
  where u.email = any (select lower(btrim(e)) from unnest(emails) as e)
    and (
      private.is_platform_admin()
      or exists (select 1 from private.admin_organisation_ids())
      or exists (select 1 from private.managed_course_ids())
    )
$$;

revoke all on all functions in schema private from public;
grant execute on all functions in schema private to anon, authenticated, service_role;

-- Privileges ------------------------------------------------------------------------------------

-- Policies decide which rows; these grants decide which columns. Without them an instructor could
-- move their course into another organisation, or an enrolment into another course, because a
-- with-check clause sees only the new row.
revoke update on public.organisations, public.organisation_members, public.courses, public.enrolments,
  public.api_tokens from anon, authenticated;
grant update (name, slug, description) on public.organisations to anon, authenticated;
grant update (role) on public.organisation_members to anon, authenticated;
grant update (code, name, description) on public.courses to anon, authenticated;
grant update (role, status) on public.enrolments to anon, authenticated;
grant update (name, revoked_at) on public.api_tokens to anon, authenticated;

-- RLS does not apply to TRUNCATE, and TRIGGER would let a role attach code that runs as whoever
-- writes next: the API roles get neither, on these tables or on any created later.
revoke truncate, trigger, references on all tables in schema public from anon, authenticated;
alter default privileges in schema public revoke truncate, trigger, references on tables from anon, authenticated;

-- Policies --------------------------------------------------------------------------------------

create policy "people see themselves, fellow participants and the people they manage"
  on public.users for select to authenticated
  using ((select private.is_platform_admin()) or id in (select private.visible_user_ids()));
create policy "platform admins add people"
  on public.users for insert to authenticated
  with check ((select private.is_platform_admin()));
create policy "people edit themselves and platform admins edit anyone"
  on public.users for update to authenticated
  using ((select private.is_platform_admin()) or id = (select auth.uid()))
  with check ((select private.is_platform_admin()) or id = (select auth.uid()));
create policy "platform admins delete people"
  on public.users for delete to authenticated
  using ((select private.is_platform_admin()));

-- Only a platform admin may change a platform role or disable an account, themselves included.
create or replace function private.guard_user_privileges() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if (new.platform_role is distinct from old.platform_role
      or new.disabled_at is distinct from old.disabled_at
      or new.email is distinct from old.email)
     and coalesce(current_setting('role', true), '') = 'authenticated'
     and not private.is_platform_admin() then
    raise exception 'Only a platform admin may change this' using errcode = '42501';
  end if;
  return new;
end
$$;
create trigger users_guard_privileges before update on public.users
  for each row execute function private.guard_user_privileges();

create policy "people see and name their own tokens"
  on public.api_tokens for select to authenticated using (user_id = (select auth.uid()));
create policy "people create their own tokens"
  on public.api_tokens for insert to authenticated with check (user_id = (select auth.uid()));
-- Revoking is the only change people make to a token, and it is final: a revoked token cannot
-- be brought back (by a stolen session, say) by clearing revoked_at.
create policy "people revoke their own tokens"
  on public.api_tokens for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()) and revoked_at is not null);
create policy "people delete their own tokens"
  on public.api_tokens for delete to authenticated using (user_id = (select auth.uid()));

create policy "members and platform admins see organisations"
  on public.organisations for select to authenticated
  using (
    (select private.is_platform_admin())
    or id in (select private.member_organisation_ids())
  );
create policy "platform admins create organisations"
  on public.organisations for insert to authenticated
  with check ((select private.is_platform_admin()));
create policy "organisation admins edit their organisation"
  on public.organisations for update to authenticated
  using ((select private.is_platform_admin()) or id in (select private.admin_organisation_ids()))
  with check ((select private.is_platform_admin()) or id in (select private.admin_organisation_ids()));
create policy "platform admins delete organisations"
  on public.organisations for delete to authenticated
  using ((select private.is_platform_admin()));

create policy "organisation admins see their members and people see their own membership"
  on public.organisation_members for select to authenticated
  using (
    (select private.is_platform_admin())
    or user_id = (select auth.uid())
    or organisation_id in (select private.admin_organisation_ids())
  );
-- Organisation admins add plain members; only platform admins name organisation admins.
create policy "organisation admins add members and platform admins add anyone"
  on public.organisation_members for insert to authenticated
  with check (
    (select private.is_platform_admin())
    or (role = 'member' and organisation_id in (select private.admin_organisation_ids()))
  );
create policy "platform admins change organisation roles"
  on public.organisation_members for update to authenticated
  using ((select private.is_platform_admin()))
  with check ((select private.is_platform_admin()));
create policy "organisation admins remove members and platform admins remove anyone"
  on public.organisation_members for delete to authenticated
  using (
    (select private.is_platform_admin())
    or (role = 'member' and organisation_id in (select private.admin_organisation_ids()))
  );

-- The organisation test reads the row itself, not the courses table: a course an admin has just
-- created (insert … returning) is not yet in visible_course_ids()'s snapshot.
create policy "participants and organisation admins see courses"
  on public.courses for select to authenticated
  using (
    (select private.is_platform_admin())
    or organisation_id in (select private.admin_organisation_ids())
    or id in (select private.visible_course_ids())
  );
create policy "organisation admins create courses"
  on public.courses for insert to authenticated
  with check (
    (select private.is_platform_admin())
    or organisation_id in (select private.admin_organisation_ids())
  );
create policy "organisation admins and instructors edit courses"
  on public.courses for update to authenticated
  using ((select private.is_platform_admin()) or id in (select private.managed_course_ids()))
  with check ((select private.is_platform_admin()) or id in (select private.managed_course_ids()));
create policy "organisation admins delete courses"
  on public.courses for delete to authenticated
  using (
    (select private.is_platform_admin())
    or organisation_id in (select private.admin_organisation_ids())
  );

create policy "participants see active fellows and staff see everyone in their courses"
  on public.enrolments for select to authenticated
  using (
    (select private.is_platform_admin())
    or user_id = (select auth.uid())
    or (status = 'active' and course_id in (select private.visible_course_ids()))
    or course_id in (select private.staffed_course_ids())
  );
create policy "organisation admins and instructors enrol people"
  on public.enrolments for insert to authenticated
  with check ((select private.is_platform_admin()) or course_id in (select private.managed_course_ids()));
create policy "organisation admins and instructors change enrolments"
  on public.enrolments for update to authenticated
  using ((select private.is_platform_admin()) or course_id in (select private.managed_course_ids()))
  with check ((select private.is_platform_admin()) or course_id in (select private.managed_course_ids()));
create policy "organisation admins and instructors unenrol people"
  on public.enrolments for delete to authenticated
  using ((select private.is_platform_admin()) or course_id in (select private.managed_course_ids()));

create policy "platform admins see all history and organisation admins their organisation's"
  on public.audit_events for select to authenticated
  using (
    (select private.is_platform_admin())
    or organisation_id in (select private.admin_organisation_ids())
    or course_id in (select private.managed_course_ids())
  );
-- No insert, update or delete policy: audit rows are written by triggers only, and never change.

-- Audit triggers ------------------------------------------------------------------------------

-- Records who changed what. The actor is the user of the transaction (auth.uid()); 'via' is
-- what the app put in request.jwt.claims ('app', 'api', 'csv', 'system', ...).
create or replace function private.audit_row_change() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  row_new jsonb := case when tg_op = 'DELETE' then null else to_jsonb(new) end;
  row_old jsonb := case when tg_op = 'INSERT' then null else to_jsonb(old) end;
  subject jsonb := coalesce(row_new, row_old);
  org uuid;
  course uuid;
begin
  if tg_op = 'UPDATE' and row_new = row_old then
    return null;
  end if;
  if tg_table_name = 'enrolments' then
    course := (subject ->> 'course_id')::uuid;
    select c.organisation_id into org from public.courses c where c.id = course;
  elsif tg_table_name = 'organisation_members' then
    org := (subject ->> 'organisation_id')::uuid;
  end if;
  insert into public.audit_events (actor_id, action, organisation_id, course_id, subject_user_id, via, data)
  values (
    (select auth.uid()),
    tg_table_name || '.' || lower(tg_op),
    org,
    course,
    (subject ->> 'user_id')::uuid,
    coalesce(nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'via', 'system'),
    jsonb_build_object('old', row_old, 'new', row_new)
  );
  return null;
end
$$;

create trigger enrolments_audit after insert or update or delete on public.enrolments
  for each row execute function private.audit_row_change();
create trigger organisation_members_audit after insert or update or delete on public.organisation_members
  for each row execute function private.audit_row_change();

-- People and sessions: accounts, password hashes, sessions, pending sign-ups, password resets, the
-- sign-in throttle, known devices and personal access tokens. Hashes, sessions, pending sign-ups,
-- password resets, the throttle and known devices are service-only (RLS forced, no policies, no grants to anon or authenticated):
-- sign-in, sign-up and session checks are system work.

-- Triggers, in firing order (before statement, before row, after row, after statement; by name
-- within each; deferred constraint triggers at commit):
--   public.users:
--     users_guard_privileges: before update, each row
--     users_rename_messages: after update, each row
--   public.user_passwords: none
--   public.sessions: none
--   public.pending_sign_ups: none
--   public.sign_in_throttle: none
--   public.known_devices: none
--   public.api_tokens: none
--   public.password_resets: none

set check_function_bodies = off;

-- People ------------------------------------------------------------------------------------
create table public.users (
  id uuid primary key default gen_random_uuid(),
  email text not null check (email = lower(email) and length(email) between 3 and 254),
  display_name text not null check (length(btrim(display_name)) between 1 and 100),
  platform_role text not null default 'user' check (platform_role in ('admin', 'user')),
  disabled_at timestamptz,
  created_at timestamptz not null default now(),
  -- Announcement emails (per person; off by default for nobody).
  email_announcements boolean not null default true,
  -- The person's id in an external system (a student number), unique when set.
  idnumber text check (idnumber is null or length(btrim(idnumber)) between 1 and 100),
  -- The person's IANA time zone ('Europe/Paris'): every date is shown and entered in it. Null until
  -- they choose one or their browser's is taken at their first page (src/lib/time.ts).
  time_zone text check (time_zone is null or time_zone ~ '^[A-Za-z0-9_+/-]{1,64}$')
);
create index users_display_name_idx on public.users (lower(display_name));
create unique index users_email_key on public.users (email);
create unique index users_idnumber_key on public.users (idnumber) where idnumber is not null;
alter table public.users enable row level security;
alter table public.users force row level security;
revoke all on table public.users from anon, authenticated, service_role;
-- The email column is not granted to the API roles: people read addresses through
-- private.visible_emails(), which says whose they may see (learners see other learners' only where
-- their organisation allows it).
grant insert, update, delete on table public.users to anon;
grant insert, update, delete on table public.users to authenticated;
grant select (id, display_name, platform_role, disabled_at, created_at, email_announcements, idnumber, time_zone)
  on table public.users to anon;
grant select (id, display_name, platform_role, disabled_at, created_at, email_announcements, idnumber, time_zone)
  on table public.users to authenticated;
grant insert, select, update, delete on table public.users to service_role;

-- Password hashes are readable by the system only (sign-in runs as service_role).
create table public.user_passwords (
  user_id uuid primary key references public.users (id) on delete cascade,
  hash text not null,
  updated_at timestamptz not null default now()
);
alter table public.user_passwords enable row level security;
alter table public.user_passwords force row level security;
revoke all on table public.user_passwords from anon, authenticated, service_role;
grant insert, select, update, delete on table public.user_passwords to service_role;

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
revoke all on table public.sessions from anon, authenticated, service_role;
grant insert, select, update, delete on table public.sessions to service_role;

-- A sign-up waiting for its email link (issue 11: sign-up never tells whether an email has an
-- account). token_hash is the SHA-256 (hex) of the emailed token; the row is deleted when used.
create table public.pending_sign_ups (
  token_hash text primary key check (length(token_hash) = 64),
  email text not null check (email = lower(email) and length(email) between 3 and 254),
  display_name text not null check (length(btrim(display_name)) between 1 and 100),
  password_hash text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index pending_sign_ups_email_idx on public.pending_sign_ups (email);
alter table public.pending_sign_ups enable row level security;
alter table public.pending_sign_ups force row level security;
revoke all on table public.pending_sign_ups from anon, authenticated, service_role;
grant insert, select, update, delete on table public.pending_sign_ups to service_role;

-- A password reset waiting for its email link. token_hash is the SHA-256 (hex) of the emailed
-- token; the row is deleted when the link is used (single use), and a reset that goes through
-- deletes every other link of the person.
create table public.password_resets (
  token_hash text primary key check (length(token_hash) = 64),
  user_id uuid not null references public.users (id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index password_resets_user_id_idx on public.password_resets (user_id);
alter table public.password_resets enable row level security;
alter table public.password_resets force row level security;
revoke all on table public.password_resets from anon, authenticated, service_role;
grant insert, select, update, delete on table public.password_resets to service_role;

-- Failed sign-ins per key ('pair:<email>|<ip>', 'email:<email>', 'ip:<ip>'); locked_until is when
-- the next attempt is allowed, a wait that doubles (src/lib/server/auth/throttle.ts).
create table public.sign_in_throttle (
  key text primary key,
  failures integer not null default 0,
  window_started_at timestamptz not null default now(),
  locked_until timestamptz
);
alter table public.sign_in_throttle enable row level security;
alter table public.sign_in_throttle force row level security;
revoke all on table public.sign_in_throttle from anon, authenticated, service_role;
grant insert, select, update, delete on table public.sign_in_throttle to service_role;

-- Known devices: a browser that signed in to an account gets a device cookie, whose SHA-256 is
-- kept here. A sign-in from a known device skips the account-wide wait that failures from other
-- addresses cause, so nobody can lock the owner out (docs/decisions.md, Sessions).
create table public.known_devices (
  token_hash text primary key,
  user_id uuid not null references public.users (id) on delete cascade,
  created_at timestamptz not null default now(),
  last_used_at timestamptz not null default now()
);
create index known_devices_user_id_idx on public.known_devices (user_id);
alter table public.known_devices enable row level security;
alter table public.known_devices force row level security;
revoke all on table public.known_devices from anon, authenticated, service_role;
grant select, insert, update, delete on table public.known_devices to service_role;

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
revoke all on table public.api_tokens from anon, authenticated, service_role;
grant insert, select, delete on table public.api_tokens to anon;
grant insert, select, delete on table public.api_tokens to authenticated;
grant insert, select, update, delete on table public.api_tokens to service_role;
grant update (name, revoked_at) on table public.api_tokens to anon;
grant update (name, revoked_at) on table public.api_tokens to authenticated;

-- Functions ---------------------------------------------------------------------------------------

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
revoke all on function private.guard_user_privileges() from public, anon, authenticated, service_role;

create or replace function private.users_rename_messages() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  update public.messages set author_name = new.display_name where author_id = new.id;
  return null;
end
$$;
revoke all on function private.users_rename_messages() from public, anon, authenticated, service_role;

-- People the current user may see: themselves, fellow active
-- participants of their courses, everyone in the courses they staff, the members of the
-- organisations they administer and of the groups whose member list they may read, and those
-- who ask to join the groups they manage or lead. A person may be listed more than once: the
-- policy only asks whether an id is in the list, and removing repeats would cost more than it
-- saves.
create or replace function private.visible_user_ids() returns setof uuid
language plpgsql stable security definer set search_path = ''
as $$
declare
  visible uuid[] := private.visible_course_ids_array();
  staffed uuid[] := private.staffed_course_ids_array();
  -- Courses seen as a participant only: their active enrolments, not already listed whole.
  fellow uuid[] := array(select unnest(visible) except select unnest(staffed));
  admin_organisations uuid[] := private.admin_organisation_ids_array();
  member_lists uuid[] := private.member_list_group_ids_array();
  request_groups uuid[] := private.managed_group_ids_array() || private.leader_managed_group_ids_array();
begin
  return query
    select auth.uid()
    union all
    select e.user_id from public.enrolments e where e.course_id = any (staffed)
    union all
    select e.user_id from public.enrolments e where e.course_id = any (fellow) and e.status = 'active'
    union all
    select m.user_id from public.organisation_members m where m.organisation_id = any (admin_organisations)
    union all
    select m.user_id from public.group_members m where m.group_id = any (member_lists)
    union all
    select r.user_id from public.group_join_requests r
    where r.status = 'pending' and r.group_id = any (request_groups);
end
$$;
revoke all on function private.visible_user_ids() from public, anon, authenticated, service_role;
grant execute on function private.visible_user_ids() to authenticated, service_role;

-- Whose email addresses the current user may read, with the address: themselves; everyone, for a
-- platform admin; for staff, the people they manage (course staff their courses' participants,
-- organisation admins their organisations' people, leaders and group managers the members of their
-- groups and those asking to join); for everyone, the learners and members they may see in an
-- organisation that lets learners see each other's addresses (organisations.learners_see_emails).
create or replace function private.visible_emails() returns table (user_id uuid, email text)
language plpgsql stable security definer set search_path = ''
as $$
declare
  uid uuid := auth.uid();
  staffed uuid[];
  admin_organisations uuid[];
  staff_groups uuid[];
  request_groups uuid[];
  open_courses uuid[];
  open_groups uuid[];
begin
  if uid is null then
    return;
  end if;
  if private.is_platform_admin() then
    return query select u.id, u.email from public.users u;
    return;
  end if;
  staffed := private.staffed_course_ids_array();
  admin_organisations := private.admin_organisation_ids_array();
  staff_groups := private.staff_group_ids_array();
  request_groups := private.managed_group_ids_array() || private.leader_managed_group_ids_array();
  -- Courses and groups the user sees as a participant, in organisations that allow addresses.
  open_courses := array(
    select c.id from public.courses c join public.organisations o on o.id = c.organisation_id
    where o.learners_see_emails and c.id = any (private.visible_course_ids_array()));
  open_groups := array(
    select g.id from public.groups g join public.organisations o on o.id = g.organisation_id
    where o.learners_see_emails and g.id = any (private.member_list_group_ids_array()));
  return query
    select u.id, u.email from public.users u
    where u.id in (
      select uid
      union
      select e.user_id from public.enrolments e where e.course_id = any (staffed)
      union
      select m.user_id from public.organisation_members m where m.organisation_id = any (admin_organisations)
      union
      select e.user_id from public.enrolments e join public.courses co on co.id = e.course_id
      where co.organisation_id = any (admin_organisations)
      union
      select m.user_id from public.group_members m where m.group_id = any (staff_groups)
      union
      select r.user_id from public.group_join_requests r
      where r.status = 'pending' and r.group_id = any (request_groups)
      union
      select e.user_id from public.enrolments e where e.course_id = any (open_courses) and e.status = 'active'
      union
      select m.user_id from public.group_members m where m.group_id = any (open_groups)
    );
end
$$;
revoke all on function private.visible_emails() from public, anon, authenticated, service_role;
grant execute on function private.visible_emails() to authenticated, service_role;

-- Triggers ----------------------------------------------------------------------------------------

create trigger users_guard_privileges before update on public.users
  for each row execute function private.guard_user_privileges();

create trigger users_rename_messages after update of display_name on public.users
  for each row when (new.display_name is distinct from old.display_name)
  execute function private.users_rename_messages();

-- Policies ----------------------------------------------------------------------------------------

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

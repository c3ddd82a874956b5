-- Organisations and their members (admin | member), courses in an organisation, and
-- enrolments (learner | assistant | instructor; active | suspended; manual or from a course link).
-- Only platform admins name organisation admins; instructors manage their course's enrolments.

-- Triggers, in firing order (before statement, before row, after row, after statement; by name
-- within each; deferred constraint triggers at commit):
--   public.organisations: none
--   public.organisation_members:
--     organisation_members_audit: after insert or update or delete, each row [12_audit.sql]
--     organisation_members_notify_delete: after delete, each statement [09_channels.sql]
--     organisation_members_notify_insert: after insert, each statement [09_channels.sql]
--     organisation_members_notify_update: after update, each statement [09_channels.sql]
--   public.courses:
--     courses_group_mode_audit: after update, each row [12_audit.sql]
--   public.enrolments:
--     enrolments_audit: after insert or update or delete, each row [12_audit.sql]
--     enrolments_log_delete: after delete, each statement [11_learner_groups.sql]
--     enrolments_log_insert: after insert, each statement [11_learner_groups.sql]
--     enrolments_log_update: after update, each statement [11_learner_groups.sql]
--     enrolments_notify_delete: after delete, each statement [09_channels.sql]
--     enrolments_notify_insert: after insert, each statement [09_channels.sql]
--     enrolments_notify_update: after update, each statement [09_channels.sql]
--     enrolments_truncate: after truncate, each statement [11_learner_groups.sql]

set check_function_bodies = off;

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
revoke all on table public.organisations from anon, authenticated, service_role;
grant insert, select, delete, maintain on table public.organisations to anon;
grant insert, select, delete, maintain on table public.organisations to authenticated;
grant all on table public.organisations to service_role;
grant update (name, slug, description) on table public.organisations to anon;
grant update (name, slug, description) on table public.organisations to authenticated;

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
revoke all on table public.organisation_members from anon, authenticated, service_role;
grant insert, select, delete, maintain on table public.organisation_members to anon;
grant insert, select, delete, maintain on table public.organisation_members to authenticated;
grant all on table public.organisation_members to service_role;
grant update (role) on table public.organisation_members to anon;
grant update (role) on table public.organisation_members to authenticated;

create table public.courses (
  id uuid primary key default gen_random_uuid(),
  organisation_id uuid not null references public.organisations (id) on delete cascade,
  code text not null check (length(btrim(code)) between 1 and 50),
  name text not null check (length(btrim(name)) between 1 and 200),
  description text not null default '' check (length(description) <= 5000),
  created_by uuid references public.users (id) on delete set null,
  created_at timestamptz not null default now(),
  -- What participants see of the course's groups: none, their own (separate) or all (visible).
  group_mode text not null default 'none' check (group_mode in ('none', 'separate', 'visible')),
  unique (organisation_id, code)
);
alter table public.courses enable row level security;
alter table public.courses force row level security;
revoke all on table public.courses from anon, authenticated, service_role;
grant insert, select, delete, maintain on table public.courses to anon;
grant insert, select, delete, maintain on table public.courses to authenticated;
grant all on table public.courses to service_role;
grant update (code, name, description, group_mode) on table public.courses to anon;
grant update (code, name, description, group_mode) on table public.courses to authenticated;

create table public.enrolments (
  course_id uuid not null references public.courses (id) on delete cascade,
  user_id uuid not null references public.users (id) on delete cascade,
  role text not null default 'learner' check (role in ('learner', 'assistant', 'instructor')),
  status text not null default 'active' check (status in ('active', 'suspended')),
  -- manual, or brought by a course link (course_link_members says which).
  source text not null default 'manual' check (source in ('manual', 'link')),
  enrolled_by uuid references public.users (id) on delete set null,
  enrolled_at timestamptz not null default now(),
  primary key (course_id, user_id)
);
create index enrolments_course_role_idx on public.enrolments (course_id, role, status);
create index enrolments_user_id_idx on public.enrolments (user_id);
alter table public.enrolments enable row level security;
alter table public.enrolments force row level security;
revoke all on table public.enrolments from anon, authenticated, service_role;
grant insert, select, delete, maintain on table public.enrolments to anon;
grant insert, select, delete, maintain on table public.enrolments to authenticated;
grant all on table public.enrolments to service_role;
grant update (role, status) on table public.enrolments to anon;
grant update (role, status, source) on table public.enrolments to authenticated;

-- Functions ---------------------------------------------------------------------------------------

create or replace function private.member_organisation_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$ select unnest(private.member_organisation_ids_array()) $$;
revoke all on function private.member_organisation_ids() from public, anon, authenticated, service_role;
grant execute on function private.member_organisation_ids() to anon, authenticated, service_role;

-- Separate groups: the course's learners in separate mode, and who shares a course group with
-- the current user there.
create or replace function private.separate_course_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  uid uuid := auth.uid();
begin
  return array(
    select e.course_id from public.enrolments e join public.courses c on c.id = e.course_id
    where e.user_id = uid and e.status = 'active' and e.role = 'learner' and c.group_mode = 'separate'
  );
end
$$;
revoke all on function private.separate_course_ids_array() from public, anon, authenticated, service_role;
grant execute on function private.separate_course_ids_array() to anon, authenticated, service_role;

create or replace function private.separate_peer_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  uid uuid := auth.uid();
  separate uuid[] := private.separate_course_ids_array();
begin
  if cardinality(separate) = 0 then
    return '{}';
  end if;
  return array(
    select distinct theirs.user_id
    from public.group_members mine
    join public.groups g on g.id = mine.group_id and g.course_id = any (separate)
    join public.group_members theirs on theirs.group_id = mine.group_id
    where mine.user_id = uid and mine.valid_from <= now() and mine.valid_until > now()
      and theirs.valid_from <= now() and theirs.valid_until > now()
  );
end
$$;
revoke all on function private.separate_peer_ids_array() from public, anon, authenticated, service_role;
grant execute on function private.separate_peer_ids_array() to anon, authenticated, service_role;

-- Leaders who manage members may also resolve emails to accounts, to add people by email.
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
      or exists (select 1 from private.leader_managed_group_ids())
    )
$$;
revoke all on function private.user_ids_by_email(emails text[]) from public, anon, authenticated, service_role;
grant execute on function private.user_ids_by_email(emails text[]) to anon, authenticated, service_role;

-- Policies ----------------------------------------------------------------------------------------

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

create policy "participants see active fellows and staff see everyone in their courses"
  on public.enrolments for select to authenticated
  using (
    (select private.is_platform_admin())
    or user_id = (select auth.uid())
    or (
      status = 'active' and course_id = any ((select private.visible_course_ids_array())::uuid[])
      and (
        course_id <> all ((select private.separate_course_ids_array())::uuid[])
        or role in ('instructor', 'assistant')
        or user_id = any ((select private.separate_peer_ids_array())::uuid[])
      )
    )
    or course_id = any ((select private.staffed_course_ids_array())::uuid[])
  );

create policy "leaders see the courses of the learners they follow"
  on public.courses for select to authenticated
  using (id = any ((select private.followed_course_ids_array())::uuid[]));

create policy "leaders see the enrolments of the learners they follow"
  on public.enrolments for select to authenticated
  using (
    user_id in (select private.followed_user_ids())
    or (course_id, user_id) in (
      select (f.p).course_id, (f.p).user_id from (select private.course_followed_pairs() as p) f)
  );

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
--     enrolments_audit: after update, each row [12_audit.sql]
--     enrolments_audit_delete: after delete, each statement [12_audit.sql]
--     enrolments_audit_insert: after insert, each statement [12_audit.sql]
--     enrolments_log_delete: after delete, each statement [11_learner_groups.sql]
--     enrolments_log_insert: after insert, each statement [11_learner_groups.sql]
--     enrolments_log_update: after update, each statement [11_learner_groups.sql]
--     enrolments_notify_delete: after delete, each statement [09_channels.sql]
--     enrolments_notify_insert: after insert, each statement [09_channels.sql]
--     enrolments_notify_update: after update, each statement [09_channels.sql]
--     enrolments_truncate: after truncate, each statement [11_learner_groups.sql]
--   public.course_invites: none

set check_function_bodies = off;

-- Organisations and courses -------------------------------------------------------------------
create table public.organisations (
  id uuid primary key default gen_random_uuid(),
  name text not null check (length(btrim(name)) between 1 and 200),
  slug text not null unique check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(slug) <= 64),
  description text not null default '' check (length(description) <= 5000),
  -- Whether learners may start direct messages with other learners they share a group or course
  -- with (staff, leaders and admins always may): private.may_message_between, 14_direct_messages.sql.
  learners_message_learners boolean not null default true,
  -- Whether learners see the email addresses of the other learners they may see (staff, leaders
  -- and admins always do): private.visible_emails, 02_people.sql.
  learners_see_emails boolean not null default false,
  created_by uuid references public.users (id) on delete set null,
  created_at timestamptz not null default now()
);
alter table public.organisations enable row level security;
alter table public.organisations force row level security;
revoke all on table public.organisations from anon, authenticated, service_role;
grant insert, select, delete on table public.organisations to anon;
grant insert, select, delete on table public.organisations to authenticated;
grant insert, select, update, delete on table public.organisations to service_role;
grant update (name, slug, description) on table public.organisations to anon;
grant update (name, slug, description, learners_message_learners, learners_see_emails) on table public.organisations to authenticated;

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
grant insert, select, delete on table public.organisation_members to anon;
grant insert, select, delete on table public.organisation_members to authenticated;
grant insert, select, update, delete on table public.organisation_members to service_role;
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
  -- What participants see of the course's groups, a ceiling each group's visibility can only
  -- lower: none (the groups' own visibility decides), separate (their own groups only) or visible
  -- (every non-hidden group, with its members): private.visible_group_ids_array and
  -- private.member_list_group_ids_array, 01_helpers.sql.
  group_mode text not null default 'none' check (group_mode in ('none', 'separate', 'visible')),
  -- Whether every activity takes the course's group mode (its own mode is then ignored).
  force_group_mode boolean not null default false,
  unique (organisation_id, code)
);
alter table public.courses enable row level security;
alter table public.courses force row level security;
revoke all on table public.courses from anon, authenticated, service_role;
grant insert, select, delete on table public.courses to anon;
grant insert, select, delete on table public.courses to authenticated;
grant insert, select, update, delete on table public.courses to service_role;
grant update (code, name, description, group_mode, force_group_mode) on table public.courses to anon;
grant update (code, name, description, group_mode, force_group_mode) on table public.courses to authenticated;

create table public.enrolments (
  course_id uuid not null references public.courses (id) on delete cascade,
  user_id uuid not null references public.users (id) on delete cascade,
  role text not null default 'learner' check (role in ('learner', 'assistant', 'instructor')),
  status text not null default 'active' check (status in ('active', 'suspended')),
  -- manual, or brought by a course link (course_link_members says which).
  source text not null default 'manual' check (source in ('manual', 'link', 'self')),
  enrolled_by uuid references public.users (id) on delete set null,
  enrolled_at timestamptz not null default now(),
  primary key (course_id, user_id)
);
create index enrolments_course_role_idx on public.enrolments (course_id, role, status);
create index enrolments_user_id_idx on public.enrolments (user_id);
alter table public.enrolments enable row level security;
alter table public.enrolments force row level security;
revoke all on table public.enrolments from anon, authenticated, service_role;
grant insert, select, delete on table public.enrolments to anon;
grant insert, select, delete on table public.enrolments to authenticated;
grant insert, select, update, delete on table public.enrolments to service_role;
grant update (role, status) on table public.enrolments to anon;
grant update (role, status, source) on table public.enrolments to authenticated;

-- An invitation to enrol, bound to one email, used once. Sent when an enroller names an email
-- they cannot see (no account, or someone they do not know yet); accepting while signed in with
-- that email enrols the person with the invitation's role.
create table public.course_invites (
  id uuid primary key default gen_random_uuid(),
  course_id uuid not null references public.courses (id) on delete cascade,
  -- SHA-256 (hex) of the token; the token is only in the emailed link.
  token_hash text not null unique check (length(token_hash) = 64),
  email text not null check (email = lower(email)),
  role text not null default 'learner' check (role in ('learner', 'assistant', 'instructor')),
  expires_at timestamptz not null,
  used_at timestamptz,
  used_by uuid references public.users (id) on delete set null,
  revoked_at timestamptz,
  created_by uuid references public.users (id) on delete set null,
  created_at timestamptz not null default now()
);
create index course_invites_course_idx on public.course_invites (course_id);
create index course_invites_created_by_idx on public.course_invites (created_by);
alter table public.course_invites enable row level security;
alter table public.course_invites force row level security;
revoke all on table public.course_invites from anon, authenticated, service_role;
grant select, insert on table public.course_invites to authenticated;
grant select, insert, update, delete on table public.course_invites to service_role;
grant update (revoked_at) on table public.course_invites to authenticated;

-- Functions ---------------------------------------------------------------------------------------

create or replace function private.member_organisation_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$ select unnest(private.member_organisation_ids_array()) $$;
revoke all on function private.member_organisation_ids() from public, anon, authenticated, service_role;
grant execute on function private.member_organisation_ids() to authenticated, service_role;

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
grant execute on function private.separate_course_ids_array() to authenticated, service_role;

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
    from public.current_memberships mine
    join public.groups g on g.id = mine.group_id and g.course_id = any (separate)
    join public.current_memberships theirs on theirs.group_id = mine.group_id
    where mine.user_id = uid
  );
end
$$;
revoke all on function private.separate_peer_ids_array() from public, anon, authenticated, service_role;
grant execute on function private.separate_peer_ids_array() to authenticated, service_role;

-- Emails resolve only to people the caller could already see, so the answer never tells whether
-- an email has an account: for the people who add others (platform and organisation admins,
-- course managers, leaders who manage members), the people they can see, and for course managers
-- also the people of their courses' organisations (members and participants of its courses).
-- Everyone else resolves nothing. Any other email gets an invitation instead.
create or replace function private.user_ids_by_email(emails text[])
returns table (email text, id uuid, display_name text)
language sql stable security definer set search_path = ''
as $$
  with wanted as (
    select u.id, u.email, u.display_name from public.users u
    where u.email = any (select lower(btrim(e)) from unnest(emails) as e)
      and (
        (select private.is_platform_admin())
        or exists (select 1 from private.admin_organisation_ids())
        or exists (select 1 from private.managed_course_ids())
        or exists (select 1 from private.leader_managed_group_ids())
      )
  ), staff_organisations as (
    select c.organisation_id from public.courses c
    where c.id = any ((select private.managed_course_ids_array())::uuid[])
  )
  select w.email, w.id, w.display_name from wanted w
  where (select private.is_platform_admin())
    or w.id in (select private.visible_user_ids())
    or exists (
      select 1 from public.organisation_members m
      where m.user_id = w.id and m.organisation_id in (select organisation_id from staff_organisations)
    )
    or exists (
      select 1 from public.enrolments e join public.courses c on c.id = e.course_id
      where e.user_id = w.id and c.organisation_id in (select organisation_id from staff_organisations)
    )
$$;
revoke all on function private.user_ids_by_email(emails text[]) from public, anon, authenticated, service_role;
grant execute on function private.user_ids_by_email(emails text[]) to authenticated, service_role;

-- Permissions: each answers "which of these ids may the current user …", from the helpers the
-- policies use. A platform admin holds every permission; whether the thing exists (and is
-- visible) is for the caller's own select to say. Security invoker (they grant nothing the
-- caller's own privileges do not), so they call only helpers on the reviewed list that the caller
-- may execute (the set-returning ones, never the internal *_array twins granted to no one).
-- Anonymous visitors may call them too: they hold nothing, and are answered before anything in
-- private is reached (anon may not use that schema). The app's requireAccess and UI flags call them.
create or replace function public.may_manage_organisations(ids uuid[]) returns uuid[]
language plpgsql stable security invoker set search_path = ''
as $$
begin
  if auth.uid() is null then
    return '{}';
  end if;
  if private.is_platform_admin() then
    return ids;
  end if;
  return array(select unnest(ids) intersect select private.admin_organisation_ids());
end
$$;
revoke all on function public.may_manage_organisations(ids uuid[]) from public, anon, authenticated, service_role;
grant execute on function public.may_manage_organisations(ids uuid[]) to anon, authenticated, service_role;

create or replace function public.may_manage_courses(ids uuid[]) returns uuid[]
language plpgsql stable security invoker set search_path = ''
as $$
begin
  if auth.uid() is null then
    return '{}';
  end if;
  if private.is_platform_admin() then
    return ids;
  end if;
  return array(select unnest(ids) intersect select private.managed_course_ids());
end
$$;
revoke all on function public.may_manage_courses(ids uuid[]) from public, anon, authenticated, service_role;
grant execute on function public.may_manage_courses(ids uuid[]) to anon, authenticated, service_role;

-- Course staff: instructors, assistants and the admins of the course's organisation.
create or replace function public.may_staff_courses(ids uuid[]) returns uuid[]
language plpgsql stable security invoker set search_path = ''
as $$
begin
  if auth.uid() is null then
    return '{}';
  end if;
  if private.is_platform_admin() then
    return ids;
  end if;
  return array(select unnest(ids) intersect select unnest(private.staffed_course_ids_array()));
end
$$;
revoke all on function public.may_staff_courses(ids uuid[]) from public, anon, authenticated, service_role;
grant execute on function public.may_staff_courses(ids uuid[]) to anon, authenticated, service_role;

-- What the current user may do with these courses and organisations, for a page's flags.
create or replace function public.course_capabilities(course_ids uuid[])
returns table (course_id uuid, can_manage boolean, can_staff boolean)
language plpgsql stable security invoker set search_path = ''
as $$
declare
  visible uuid[];
  manage uuid[];
  staff uuid[];
begin
  if auth.uid() is null then
    return;
  end if;
  visible := array(select c.id from public.courses c where c.id = any (course_ids));
  manage := public.may_manage_courses(visible);
  staff := public.may_staff_courses(visible);
  return query select v.id, v.id = any (manage), v.id = any (staff) from unnest(visible) as v(id);
end
$$;
revoke all on function public.course_capabilities(course_ids uuid[]) from public, anon, authenticated, service_role;
grant execute on function public.course_capabilities(course_ids uuid[]) to anon, authenticated, service_role;

-- Organisation admins manage their organisation (its members, courses and groups); only platform
-- admins name organisation admins (the organisation_members policies).
create or replace function public.organisation_capabilities(organisation_ids uuid[])
returns table (organisation_id uuid, can_manage boolean, can_name_admins boolean)
language plpgsql stable security invoker set search_path = ''
as $$
declare
  visible uuid[];
  manage uuid[];
  platform_admin boolean;
begin
  if auth.uid() is null then
    return;
  end if;
  visible := array(select o.id from public.organisations o where o.id = any (organisation_ids));
  manage := public.may_manage_organisations(visible);
  platform_admin := private.is_platform_admin();
  return query select v.id, v.id = any (manage), platform_admin from unnest(visible) as v(id);
end
$$;
revoke all on function public.organisation_capabilities(organisation_ids uuid[]) from public, anon, authenticated, service_role;
grant execute on function public.organisation_capabilities(organisation_ids uuid[]) to anon, authenticated, service_role;

-- Whether `inviter` may bring someone from outside into the course: platform admins, the
-- organisation's admins and the course's active instructors (the people who enrol).
create or replace function private.admits_to_course(inviter uuid, target_course uuid) returns boolean
language sql stable security definer set search_path = ''
as $$
  select exists (
    select 1 from public.users u
    where u.id = inviter and u.platform_role = 'admin' and u.disabled_at is null
  ) or exists (
    select 1 from public.courses c join public.organisation_members m on m.organisation_id = c.organisation_id
    where c.id = target_course and m.user_id = inviter and m.role = 'admin'
  ) or exists (
    select 1 from public.enrolments e
    where e.course_id = target_course and e.user_id = inviter and e.role = 'instructor' and e.status = 'active'
  )
$$;
revoke all on function private.admits_to_course(inviter uuid, target_course uuid) from public, anon, authenticated, service_role;
grant execute on function private.admits_to_course(inviter uuid, target_course uuid) to service_role;

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

create policy "course managers see their courses' invitations"
  on public.course_invites for select to authenticated
  using (
    (select private.is_platform_admin())
    or course_id in (select private.managed_course_ids())
  );
create policy "course managers invite to their courses"
  on public.course_invites for insert to authenticated
  with check (
    used_at is null and used_by is null and revoked_at is null
    and created_by = (select auth.uid())
    and (
      (select private.is_platform_admin())
      or course_id in (select private.managed_course_ids())
    )
  );
create policy "course managers withdraw their courses' invitations"
  on public.course_invites for update to authenticated
  using (
    (select private.is_platform_admin())
    or course_id in (select private.managed_course_ids())
  )
  with check (revoked_at is not null);

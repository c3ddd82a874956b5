-- Membership stays within scope (issue 11 §4). A course group takes only the course's
-- participants; an organisation's groups (and their sub-groups) only its people: its members and
-- the participants of its courses. Platform groups take anyone, and platform admins may add
-- anyone to an organisation's groups. Anyone else comes in through an invitation they accept,
-- which brings them into the scope only when its sender may do that (an organisation admin, or a
-- course's manager). The check is a trigger on group_members, so every path meets it: forms,
-- the API, CSV imports, cohort sync, invitations, sign-up, learner-group refreshes.
--
-- Emails are resolved only to people the caller can already see, so no answer tells anyone
-- whether an email has an account; an email nobody visible uses gets an invitation instead.

-- Scope ------------------------------------------------------------------------------------------

-- The memberships among (group_ids[i], user_ids[i]) that their group's scope does not allow,
-- with the group's scope. A platform group takes anyone; an organisation's group its members and
-- the participants of its courses (any status); a course group its participants (any status) and
-- the organisation's admins, who run its courses. Platform admins may add anyone anywhere.
-- Set-based, so the trigger checks a cohort sync of thousands in one query; the one definition
-- of the rule.
create or replace function private.memberships_outside_scope(group_ids uuid[], user_ids uuid[])
returns table (group_id uuid, user_id uuid, scope text)
language sql stable security definer set search_path = ''
as $$
  select n.group_id, n.user_id, g.scope
  from unnest(group_ids, user_ids) as n(group_id, user_id)
  join public.groups g on g.id = n.group_id
  where g.scope <> 'platform'
    and not (select private.is_platform_admin())
    and not case g.scope
      when 'course' then exists (
        select 1 from public.enrolments e where e.course_id = g.course_id and e.user_id = n.user_id
      ) or exists (
        select 1 from public.organisation_members m
        where m.organisation_id = g.organisation_id and m.user_id = n.user_id and m.role = 'admin')
      else exists (
        select 1 from public.organisation_members m
        where m.organisation_id = g.organisation_id and m.user_id = n.user_id
      ) or exists (
        select 1 from public.enrolments e join public.courses c on c.id = e.course_id
        where c.organisation_id = g.organisation_id and e.user_id = n.user_id)
    end
$$;

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

-- Whether an invitation from `inviter` may bring an outsider into group `target`'s scope:
-- anyone who invites to a platform group; for an organisation's groups platform admins and the
-- organisation's admins (the invitee becomes a member of the organisation); for a course group
-- the course's managers (the invitee is enrolled as a learner). A leader who is neither invites
-- only people already in the scope.
create or replace function private.admits_to_group(inviter uuid, target uuid) returns boolean
language sql stable security definer set search_path = ''
as $$
  select case g.scope
    when 'platform' then true
    when 'course' then private.admits_to_course(inviter, g.course_id)
    else exists (
      select 1 from public.users u
      where u.id = inviter and u.platform_role = 'admin' and u.disabled_at is null
    ) or exists (
      select 1 from public.organisation_members m
      where m.organisation_id = g.organisation_id and m.user_id = inviter and m.role = 'admin'
    )
  end
  from public.groups g where g.id = target
$$;

-- The caller's own right, for the add form: may their invitations bring outsiders in?
create or replace function private.can_admit_to_group(target uuid) returns boolean
language sql stable security definer set search_path = ''
as $$ select coalesce(private.admits_to_group((select auth.uid()), target), false) $$;

-- Of `people`, those the caller can see whom group `target` may take when the caller adds them.
-- Limited to people the caller can see, so it answers nothing about anyone else.
create or replace function private.group_scope_user_ids(target uuid, people uuid[]) returns setof uuid
language sql stable security definer set search_path = ''
as $$
  select p from unnest(people) as p
  where ((select private.is_platform_admin()) or p in (select private.visible_user_ids()))
  except
  select o.user_id
  from private.memberships_outside_scope(array_fill(target, array[cardinality(people)]), people) o
$$;

-- Refuses memberships outside their group's scope. Runs once per statement over the new rows, so
-- a cohort sync of thousands pays one query. The database owner (migrations, restores,
-- fixtures) sets no claims and is not checked; every API role is, service_role included.
create or replace function private.group_members_check_scope() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  outside_scope text;
  group_ids uuid[];
  user_ids uuid[];
begin
  if nullif(current_setting('request.jwt.claims', true), '') is null then
    return null;
  end if;
  if tg_op = 'UPDATE' then
    if (new.group_id, new.user_id) is not distinct from (old.group_id, old.user_id) then
      return new;
    end if;
    select o.scope into outside_scope
    from private.memberships_outside_scope(array[new.group_id], array[new.user_id]) o;
  else
    select array_agg(n.group_id), array_agg(n.user_id) into group_ids, user_ids from new_rows n;
    select o.scope into outside_scope
    from private.memberships_outside_scope(group_ids, user_ids) o limit 1;
  end if;
  if outside_scope is null then
    return case when tg_op = 'UPDATE' then new end;
  end if;
  if outside_scope = 'course' then
    raise exception 'A course group takes only the course''s participants: enrol them in the course first, or invite them by email.'
      using errcode = '23514', hint = 'outside_scope';
  end if;
  raise exception 'An organisation''s groups take only its people (its members and the participants of its courses): invite them by email.'
    using errcode = '23514', hint = 'outside_scope';
end
$$;

drop trigger if exists group_members_check_scope_insert on public.group_members;
create trigger group_members_check_scope_insert after insert on public.group_members
  referencing new table as new_rows for each statement execute function private.group_members_check_scope();
drop trigger if exists group_members_check_scope_update on public.group_members;
create trigger group_members_check_scope_update before update of group_id, user_id on public.group_members
  for each row execute function private.group_members_check_scope();

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

-- Course invitations -----------------------------------------------------------------------------

-- An invitation to enrol, bound to one email, used once. Sent when an enroller names an email
-- they cannot see (no account, or someone they do not know yet); accepting while signed in with
-- that email enrols the person with the invitation's role.
create table if not exists public.course_invites (
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
create index if not exists course_invites_course_idx on public.course_invites (course_id);
create index if not exists course_invites_created_by_idx on public.course_invites (created_by);
alter table public.course_invites enable row level security;
alter table public.course_invites force row level security;

drop policy if exists "course managers see their courses' invitations" on public.course_invites;
create policy "course managers see their courses' invitations"
  on public.course_invites for select to authenticated
  using (
    (select private.is_platform_admin())
    or course_id = any ((select private.managed_course_ids_array())::uuid[])
  );
drop policy if exists "course managers invite to their courses" on public.course_invites;
create policy "course managers invite to their courses"
  on public.course_invites for insert to authenticated
  with check (
    used_at is null and used_by is null and revoked_at is null
    and created_by = (select auth.uid())
    and (
      (select private.is_platform_admin())
      or course_id = any ((select private.managed_course_ids_array())::uuid[])
    )
  );
drop policy if exists "course managers withdraw their courses' invitations" on public.course_invites;
create policy "course managers withdraw their courses' invitations"
  on public.course_invites for update to authenticated
  using (
    (select private.is_platform_admin())
    or course_id = any ((select private.managed_course_ids_array())::uuid[])
  )
  with check (revoked_at is not null);

revoke all on public.course_invites from anon, authenticated, service_role;
grant select, insert on public.course_invites to authenticated;
grant update (revoked_at) on public.course_invites to authenticated;
grant select, insert, update, delete on public.course_invites to service_role;

-- Privileges of the new functions: the trigger's and the inviter checks run as the owner or the
-- system; the caller-bound helpers are for signed-in people only.
revoke all on function private.memberships_outside_scope(uuid[], uuid[]) from public, anon, authenticated;
revoke all on function private.admits_to_course(uuid, uuid) from public, anon, authenticated;
revoke all on function private.admits_to_group(uuid, uuid) from public, anon, authenticated;
revoke all on function private.group_members_check_scope() from public, anon, authenticated, service_role;
revoke all on function private.can_admit_to_group(uuid) from public, anon;
revoke all on function private.group_scope_user_ids(uuid, uuid[]) from public, anon;
revoke all on function private.user_ids_by_email(text[]) from public;
grant execute on function private.memberships_outside_scope(uuid[], uuid[]) to service_role;
grant execute on function private.admits_to_course(uuid, uuid) to service_role;
grant execute on function private.admits_to_group(uuid, uuid) to service_role;
grant execute on function private.can_admit_to_group(uuid) to authenticated, service_role;
grant execute on function private.group_scope_user_ids(uuid, uuid[]) to authenticated, service_role;
grant execute on function private.user_ids_by_email(text[]) to anon, authenticated, service_role;

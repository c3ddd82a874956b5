-- Memberships: who is in which group, as member or leader, from when until when, and how they
-- came (manual, self, invite, rule, sync, auto). Join requests and invitations lead to it. Size
-- limits are enforced under the group's row lock. What "valid now" means is the view
-- public.current_memberships; effective membership (through sub-groups) is public.effective_members.

-- Triggers, in firing order (before statement, before row, after row, after statement; by name
-- within each; deferred constraint triggers at commit):
--   public.group_members:
--     group_members_check_scope_update: before update, each row
--     group_members_enforce_limit: before insert or update, each row
--     group_members_audit: after update, each row [12_audit.sql]
--     group_members_audit_delete: after delete, each statement [12_audit.sql]
--     group_members_audit_insert: after insert, each statement [12_audit.sql]
--     group_members_auto_leader_delete: after delete, each statement
--     group_members_auto_leader_insert: after insert, each statement
--     group_members_check_scope_insert: after insert, each statement
--     group_members_enforce_exclusive_insert: after insert, each statement
--     group_members_enforce_exclusive_update: after update, each statement
--     group_members_enforce_grouping_limit: after insert, each statement [07_course_groups.sql]
--     group_members_log_delete: after delete, each statement [11_learner_groups.sql]
--     group_members_log_insert: after insert, each statement [11_learner_groups.sql]
--     group_members_log_update: after update, each statement [11_learner_groups.sql]
--     group_members_notify_added: after insert, each statement [13_notifications.sql]
--     group_members_notify_delete: after delete, each statement [09_channels.sql]
--     group_members_notify_insert: after insert, each statement [09_channels.sql]
--     group_members_notify_removed: after delete, each statement [13_notifications.sql]
--     group_members_notify_update: after update, each statement [09_channels.sql]
--     group_members_sync_links_delete: after delete, each statement [06_course_links.sql]
--     group_members_sync_links_insert: after insert, each statement [06_course_links.sql]
--     group_members_sync_links_update: after update, each statement [06_course_links.sql]
--     group_members_truncate: after truncate, each statement [11_learner_groups.sql]
--   public.membership_sweeps: none
--   public.group_join_requests:
--     group_join_requests_audit: after insert or update, each row [12_audit.sql]
--     group_join_requests_notify_decided: after update, each row [13_notifications.sql]
--   public.group_invites:
--     group_invites_audit: after insert or update, each row [12_audit.sql]

set check_function_bodies = off;

create table public.group_members (
  group_id uuid not null references public.groups (id) on delete cascade,
  user_id uuid not null references public.users (id) on delete cascade,
  role text not null default 'member' check (role in ('member', 'leader')),
  source text not null default 'manual' check (source in ('manual', 'self', 'invite', 'rule', 'sync', 'auto')),
  valid_from timestamptz not null default '-infinity',
  valid_until timestamptz not null default 'infinity',
  added_by uuid references public.users (id) on delete set null,
  added_at timestamptz not null default now(),
  primary key (group_id, user_id),
  check (valid_until > valid_from)
);
create index group_members_group_role_idx on public.group_members (group_id, role);
create index group_members_user_idx on public.group_members (user_id, group_id);
create index group_members_valid_until_idx on public.group_members (valid_until) where valid_until <> 'infinity';
alter table public.group_members enable row level security;
alter table public.group_members force row level security;
revoke all on table public.group_members from anon, authenticated, service_role;
grant insert, select, update, delete on table public.group_members to anon;
grant insert, select, update, delete on table public.group_members to authenticated;
grant insert, select, update, delete on table public.group_members to service_role;

-- When the sweep last looked for memberships that started or ended by the clock.
create table public.membership_sweeps (
  id boolean primary key default true check (id),
  swept_until timestamptz not null
);
-- Its one row: data the schema needs, so it is written here (migra carries no data: a change to
-- it needs a hand-written migration).
insert into public.membership_sweeps (swept_until) values (now()) on conflict do nothing;
alter table public.membership_sweeps enable row level security;
alter table public.membership_sweeps force row level security;
revoke all on table public.membership_sweeps from anon, authenticated, service_role;
grant insert, select, update, delete on table public.membership_sweeps to service_role;

-- Joining by request (leaders approve or decline) and by invitation (a link or an email, with an
-- expiry, one use or many). Redeeming an invitation is system work: the invitee may not yet be
-- able to see the group, so the app checks the token and writes the membership as service_role.
create table public.group_join_requests (
  id uuid primary key default gen_random_uuid(),
  group_id uuid not null references public.groups (id) on delete cascade,
  user_id uuid not null references public.users (id) on delete cascade,
  message text not null default '' check (length(message) <= 1000),
  status text not null default 'pending' check (status in ('pending', 'approved', 'declined', 'withdrawn')),
  created_at timestamptz not null default now(),
  decided_by uuid references public.users (id) on delete set null,
  decided_at timestamptz
);
create unique index group_join_requests_pending_key on public.group_join_requests (group_id, user_id)
  where status = 'pending';
create index group_join_requests_user_idx on public.group_join_requests (user_id);
alter table public.group_join_requests enable row level security;
alter table public.group_join_requests force row level security;
revoke all on table public.group_join_requests from anon, authenticated, service_role;
grant insert, select, delete on table public.group_join_requests to anon;
grant insert, select, delete on table public.group_join_requests to authenticated;
grant insert, select, update, delete on table public.group_join_requests to service_role;
grant update (status, decided_by, decided_at) on table public.group_join_requests to authenticated;

create table public.group_invites (
  id uuid primary key default gen_random_uuid(),
  group_id uuid not null references public.groups (id) on delete cascade,
  -- SHA-256 (hex) of the invitation token; the token is shown once, in the link.
  token_hash text not null unique check (length(token_hash) = 64),
  email text check (email is null or email = lower(email)),
  max_uses integer check (max_uses is null or max_uses >= 1),
  uses integer not null default 0 check (uses >= 0),
  expires_at timestamptz not null,
  revoked_at timestamptz,
  created_by uuid references public.users (id) on delete set null,
  created_at timestamptz not null default now(),
  check (max_uses is null or uses <= max_uses)
);
create index group_invites_group_idx on public.group_invites (group_id);
alter table public.group_invites enable row level security;
alter table public.group_invites force row level security;
revoke all on table public.group_invites from anon, authenticated, service_role;
grant insert, select, delete on table public.group_invites to anon;
grant insert, select, delete on table public.group_invites to authenticated;
grant insert, select, update, delete on table public.group_invites to service_role;
grant update (revoked_at) on table public.group_invites to authenticated;

-- Views: the validity and closure rules, read by the app and the helpers ------------------------
-- Memberships valid now: the one spelling of "valid_from <= now() < valid_until". Memberships
-- in a binned group (07_course_groups.sql, "The bin") are kept for a restore but count nowhere:
-- both views leave them out, so every helper, policy, room and count built on them does too.
create or replace view public.current_memberships with (security_invoker = true) as
  select m.group_id, m.user_id, m.role, m.source, m.valid_from, m.valid_until, m.added_by, m.added_at
  from public.group_members m
  where m.valid_from <= now() and m.valid_until > now()
    and m.group_id <> all ((select private.binned_group_ids_array())::uuid[]);
revoke all on table public.current_memberships from anon, authenticated, service_role;
grant select on table public.current_memberships to authenticated, service_role;

-- Memberships that have not ended: valid now or starting later. What a place in a group holds
-- (size limits, exclusive groupings and sign-ups count them).
create or replace view public.unexpired_memberships with (security_invoker = true) as
  select m.group_id, m.user_id, m.role, m.source, m.valid_from, m.valid_until, m.added_by, m.added_at
  from public.group_members m
  where m.valid_until > now()
    and m.group_id <> all ((select private.binned_group_ids_array())::uuid[]);
revoke all on table public.unexpired_memberships from anon, authenticated, service_role;
grant select on table public.unexpired_memberships to authenticated, service_role;

-- The same test for a membership row that has left the table (a statement trigger's old rows,
-- which no view can read): whether it was valid at the moment it went.
create or replace function private.membership_was_current(valid_from timestamptz, valid_until timestamptz)
returns boolean
language sql stable security definer set search_path = ''
as $$
  select valid_from <= now() and valid_until > now()
$$;
revoke all on function private.membership_was_current(valid_from timestamptz, valid_until timestamptz) from public, anon, authenticated, service_role;

-- Effective membership (DESIGN.md §1.2): a member of a sub-group is an effective member of every
-- ancestor. One row per current membership and ancestor it reaches: group_id is the ancestor,
-- member_group_id the group the person is directly in (with that membership's role, source and
-- dates), depth how far below group_id that is (0: a direct member).
create or replace view public.effective_members with (security_invoker = true) as
  select c.ancestor_id as group_id, m.user_id, m.role, m.group_id as member_group_id, c.depth,
         m.source, m.valid_from, m.valid_until, m.added_by, m.added_at
  from public.group_closure c
  join public.current_memberships m on m.group_id = c.descendant_id;
revoke all on table public.effective_members from anon, authenticated, service_role;
grant select on table public.effective_members to authenticated, service_role;

-- A leader follows the learners below the groups they lead where the group lets its leaders see
-- progress: everywhere when the led group is a platform or organisation group (course_id null),
-- in the group's course alone when it is a course group (read by the helpers in 01_helpers.sql and
-- 10_progress.sql, and by private.progress_watcher_ids).
create or replace view private.followings with (security_invoker = true) as
  select l.user_id as leader_id, lg.course_id, m.user_id as learner_id
  from public.current_memberships l
  join public.groups lg on lg.id = l.group_id and lg.leaders_see_progress
  join public.group_closure c on c.ancestor_id = l.group_id
  join public.current_memberships m on m.group_id = c.descendant_id
  where l.role = 'leader' and m.role = 'member' and m.user_id <> l.user_id;
revoke all on table private.followings from anon, authenticated, service_role;

-- Functions ---------------------------------------------------------------------------------------

create or replace function private.group_members_auto_leader_deleted() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  perform private.ensure_auto_leaders(array(select distinct group_id from old_rows));
  return null;
end
$$;
revoke all on function private.group_members_auto_leader_deleted() from public, anon, authenticated, service_role;

create or replace function private.group_members_auto_leader_inserted() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  perform private.ensure_auto_leaders(array(select distinct group_id from new_rows));
  return null;
end
$$;
revoke all on function private.group_members_auto_leader_inserted() from public, anon, authenticated, service_role;

-- Size limits hold under concurrency: joins into one group queue on its row, then count.
create or replace function private.group_members_enforce_limit() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  group_limit integer;
  current_count integer;
begin
  if new.role <> 'member' then
    return new;
  end if;
  select size_limit into group_limit from public.groups where id = new.group_id for update;
  if group_limit is null then
    return new;
  end if;
  select count(*) into current_count from public.unexpired_memberships
  where group_id = new.group_id and role = 'member' and user_id <> new.user_id;
  if current_count >= group_limit then
    raise exception 'The group is full.' using errcode = '23514', hint = 'group_full';
  end if;
  return new;
end
$$;
revoke all on function private.group_members_enforce_limit() from public, anon, authenticated, service_role;

create or replace function private.group_members_exclusive_inserted() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  perform private.enforce_exclusive(array_agg(group_id), array_agg(user_id), array_agg(source)) from new_rows;
  return null;
end
$$;
revoke all on function private.group_members_exclusive_inserted() from public, anon, authenticated, service_role;

-- Only updates that change who is in which group, or when: a role change (an automatic leader)
-- is not a new membership and must not take the person locks.
create or replace function private.group_members_exclusive_updated() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  perform private.enforce_exclusive(array_agg(n.group_id), array_agg(n.user_id), array_agg(n.source))
  from new_rows n
  where not exists (
    select 1 from old_rows o
    where o.group_id = n.group_id and o.user_id = n.user_id
      and o.valid_from = n.valid_from and o.valid_until = n.valid_until
  )
  having count(*) > 0;
  return null;
end
$$;
revoke all on function private.group_members_exclusive_updated() from public, anon, authenticated, service_role;

create or replace function private.signup_group_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$ select unnest(private.signup_group_ids_array(true)) $$;
revoke all on function private.signup_group_ids() from public, anon, authenticated, service_role;
grant execute on function private.signup_group_ids() to authenticated, service_role;

-- Add, change and remove members: the group's admins, and its leaders where the group lets them.
create or replace function public.may_manage_group_members(ids uuid[]) returns uuid[]
language plpgsql stable security invoker set search_path = ''
as $$
begin
  if auth.uid() is null then
    return '{}';
  end if;
  if private.is_platform_admin() then
    return ids;
  end if;
  return array(
    select unnest(ids)
    intersect
    (select unnest(private.managed_group_ids_array()) union select private.leader_managed_group_ids())
  );
end
$$;
revoke all on function public.may_manage_group_members(ids uuid[]) from public, anon, authenticated, service_role;
grant execute on function public.may_manage_group_members(ids uuid[]) to anon, authenticated, service_role;

-- Membership stays within scope (issue 11): a course group takes the course's participants, an
-- organisation's groups its people; anyone else comes in by an invitation they accept, which
-- brings them into the scope only when its sender may (redeemed by the app as the system).

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
revoke all on function private.memberships_outside_scope(group_ids uuid[], user_ids uuid[]) from public, anon, authenticated, service_role;
grant execute on function private.memberships_outside_scope(group_ids uuid[], user_ids uuid[]) to service_role;

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
revoke all on function private.admits_to_group(inviter uuid, target uuid) from public, anon, authenticated, service_role;
grant execute on function private.admits_to_group(inviter uuid, target uuid) to service_role;

-- The caller's own right, for the add form: may their invitations bring outsiders in?
create or replace function private.can_admit_to_group(target uuid) returns boolean
language sql stable security definer set search_path = ''
as $$ select coalesce(private.admits_to_group((select auth.uid()), target), false) $$;
revoke all on function private.can_admit_to_group(target uuid) from public, anon, authenticated, service_role;
grant execute on function private.can_admit_to_group(target uuid) to authenticated, service_role;

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
revoke all on function private.group_scope_user_ids(target uuid, people uuid[]) from public, anon, authenticated, service_role;
grant execute on function private.group_scope_user_ids(target uuid, people uuid[]) to authenticated, service_role;

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
revoke all on function private.group_members_check_scope() from public, anon, authenticated, service_role;

-- Triggers ----------------------------------------------------------------------------------------

create trigger group_members_auto_leader_delete after delete on public.group_members
  referencing old table as old_rows for each statement execute function private.group_members_auto_leader_deleted();

create trigger group_members_auto_leader_insert after insert on public.group_members
  referencing new table as new_rows for each statement execute function private.group_members_auto_leader_inserted();

create trigger group_members_check_scope_insert after insert on public.group_members
  referencing new table as new_rows for each statement execute function private.group_members_check_scope();

create trigger group_members_check_scope_update before update of group_id, user_id on public.group_members
  for each row execute function private.group_members_check_scope();

create trigger group_members_enforce_exclusive_insert after insert on public.group_members
  referencing new table as new_rows for each statement execute function private.group_members_exclusive_inserted();

create trigger group_members_enforce_exclusive_update after update on public.group_members
  referencing new table as new_rows old table as old_rows
  for each statement execute function private.group_members_exclusive_updated();

create trigger group_members_enforce_limit before insert or update of role on public.group_members
  for each row execute function private.group_members_enforce_limit();

-- Policies ----------------------------------------------------------------------------------------

-- No write policies: only the hierarchy triggers write the closure.
create policy "people see the members their view of the group allows"
  on public.group_members for select to authenticated
  using (
    ((select private.is_platform_admin()) and group_id <> all ((select private.binned_group_ids_array())::uuid[]))
    or group_id in (select private.member_list_group_ids())
    or (user_id = (select auth.uid()) and group_id in (select private.visible_group_ids()))
  );

create policy "people see their own requests and leaders the requests to their groups"
  on public.group_join_requests for select to authenticated
  using (
    (select private.is_platform_admin())
    or user_id = (select auth.uid())
    or group_id in (select private.managed_group_ids())
    or group_id in (select private.leader_managed_group_ids())
  );

create policy "people ask to join groups that take requests"
  on public.group_join_requests for insert to authenticated
  with check (
    user_id = (select auth.uid()) and status = 'pending' and decided_by is null
    and group_id in (select id from public.groups where membership_mode = 'request')
    and group_id in (select private.visible_group_ids())
  );

create policy "leaders decide requests and people withdraw their own"
  on public.group_join_requests for update to authenticated
  using (
    (select private.is_platform_admin())
    or group_id in (select private.managed_group_ids())
    or group_id in (select private.leader_managed_group_ids())
    or (user_id = (select auth.uid()) and status = 'pending')
  )
  with check (
    (select private.is_platform_admin())
    or group_id in (select private.managed_group_ids())
    or group_id in (select private.leader_managed_group_ids())
    or (user_id = (select auth.uid()) and status = 'withdrawn')
  );

-- No delete policy: requests are history.
create policy "leaders see the invitations of their groups"
  on public.group_invites for select to authenticated
  using (
    (select private.is_platform_admin())
    or group_id in (select private.managed_group_ids())
    or group_id in (select private.leader_managed_group_ids())
  );

create policy "leaders invite to their groups"
  on public.group_invites for insert to authenticated
  with check (
    uses = 0 and revoked_at is null
    and (
      (select private.is_platform_admin())
      or group_id in (select private.managed_group_ids())
      or group_id in (select private.leader_managed_group_ids())
    )
  );

create policy "leaders revoke invitations"
  on public.group_invites for update to authenticated
  using (
    (select private.is_platform_admin())
    or group_id in (select private.managed_group_ids())
    or group_id in (select private.leader_managed_group_ids())
  )
  with check (revoked_at is not null);

create policy "admins and leaders change memberships"
  on public.group_members for update to authenticated
  using (
    (
      ((select private.is_platform_admin()) or group_id in (select private.managed_group_ids()))
      and (group_id not in (select id from public.groups where membership_mode = 'sync') or (select private.via_api()))
    )
    or (role = 'member' and group_id in (select private.leader_managed_group_ids()))
  )
  with check (
    (
      ((select private.is_platform_admin()) or group_id in (select private.managed_group_ids()))
      and (group_id not in (select id from public.groups where membership_mode = 'sync') or (select private.via_api()))
    )
    or (role = 'member' and group_id in (select private.leader_managed_group_ids()))
  );

create policy "admins and leaders add members, and people join open groups"
  on public.group_members for insert to authenticated
  with check (
    (
      ((select private.is_platform_admin()) or group_id in (select private.managed_group_ids()))
      and (group_id not in (select id from public.groups where membership_mode = 'sync') or (select private.via_api()))
    )
    or (role = 'member' and group_id in (select private.leader_managed_group_ids()))
    or (
      user_id = (select auth.uid()) and role = 'member' and source = 'self'
      and group_id in (select id from public.groups where membership_mode = 'open')
      and group_id in (select private.visible_group_ids())
    )
    or (
      user_id = (select auth.uid()) and role = 'member' and source = 'self'
      and group_id in (select private.signup_group_ids())
      and group_id not in (select id from public.groups where membership_mode in ('sync', 'rule'))
    )
  );

create policy "admins and leaders remove members, and people leave open groups"
  on public.group_members for delete to authenticated
  using (
    (
      ((select private.is_platform_admin()) or group_id in (select private.managed_group_ids()))
      and (group_id not in (select id from public.groups where membership_mode = 'sync') or (select private.via_api()))
    )
    or (role = 'member' and group_id in (select private.leader_managed_group_ids()))
    or (user_id = (select auth.uid()) and group_id in (select id from public.groups where membership_mode = 'open'))
    or (
      user_id = (select auth.uid()) and group_id in (select private.signup_group_ids())
      and group_id not in (select id from public.groups where membership_mode in ('sync', 'rule'))
    )
  );

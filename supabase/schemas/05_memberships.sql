-- Memberships: who is in which group, as member or leader, from when until when, and how they
-- came (manual, self, invite, rule, sync, auto). Join requests and invitations lead to it. Size
-- limits are enforced under the group's row lock; validity is read wherever membership is read.

-- Triggers, in firing order (before statement, before row, after row, after statement; by name
-- within each; deferred constraint triggers at commit):
--   public.group_members:
--     group_members_enforce_limit: before insert or update, each row
--     group_members_audit: after insert or update or delete, each row [12_audit.sql]
--     group_members_auto_leader_delete: after delete, each statement
--     group_members_auto_leader_insert: after insert, each statement
--     group_members_enforce_exclusive_insert: after insert, each statement
--     group_members_enforce_exclusive_update: after update, each statement
--     group_members_log_delete: after delete, each statement [11_learner_groups.sql]
--     group_members_log_insert: after insert, each statement [11_learner_groups.sql]
--     group_members_log_update: after update, each statement [11_learner_groups.sql]
--     group_members_notify_delete: after delete, each statement [09_channels.sql]
--     group_members_notify_insert: after insert, each statement [09_channels.sql]
--     group_members_notify_update: after update, each statement [09_channels.sql]
--     group_members_sync_links_delete: after delete, each statement [06_course_links.sql]
--     group_members_sync_links_insert: after insert, each statement [06_course_links.sql]
--     group_members_sync_links_update: after update, each statement [06_course_links.sql]
--     group_members_truncate: after truncate, each statement [11_learner_groups.sql]
--   public.membership_sweeps: none
--   public.group_join_requests:
--     group_join_requests_audit: after insert or update, each row [12_audit.sql]
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
grant insert, select, update, delete, maintain on table public.group_members to anon;
grant insert, select, update, delete, maintain on table public.group_members to authenticated;
grant all on table public.group_members to service_role;

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
grant all on table public.membership_sweeps to service_role;

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
grant insert, select, delete, maintain on table public.group_join_requests to anon;
grant insert, select, delete, maintain on table public.group_join_requests to authenticated;
grant all on table public.group_join_requests to service_role;
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
grant insert, select, delete, maintain on table public.group_invites to anon;
grant insert, select, delete, maintain on table public.group_invites to authenticated;
grant all on table public.group_invites to service_role;
grant update (revoked_at) on table public.group_invites to authenticated;

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
grant execute on function private.group_members_auto_leader_deleted() to anon, authenticated, service_role;

create or replace function private.group_members_auto_leader_inserted() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  perform private.ensure_auto_leaders(array(select distinct group_id from new_rows));
  return null;
end
$$;
revoke all on function private.group_members_auto_leader_inserted() from public, anon, authenticated, service_role;
grant execute on function private.group_members_auto_leader_inserted() to anon, authenticated, service_role;

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
  select count(*) into current_count from public.group_members
  where group_id = new.group_id and role = 'member' and user_id <> new.user_id
    and valid_until > now();
  if current_count >= group_limit then
    raise exception 'The group is full.' using errcode = '23514', hint = 'group_full';
  end if;
  return new;
end
$$;
revoke all on function private.group_members_enforce_limit() from public, anon, authenticated, service_role;
grant execute on function private.group_members_enforce_limit() to anon, authenticated, service_role;

create or replace function private.group_members_exclusive_inserted() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  perform private.enforce_exclusive(array_agg(group_id), array_agg(user_id), array_agg(source)) from new_rows;
  return null;
end
$$;
revoke all on function private.group_members_exclusive_inserted() from public, anon, authenticated, service_role;
grant execute on function private.group_members_exclusive_inserted() to anon, authenticated, service_role;

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
grant execute on function private.group_members_exclusive_updated() to anon, authenticated, service_role;

create or replace function private.signup_group_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$ select unnest(private.signup_group_ids_array(true)) $$;
revoke all on function private.signup_group_ids() from public, anon, authenticated, service_role;
grant execute on function private.signup_group_ids() to anon, authenticated, service_role;

-- Triggers ----------------------------------------------------------------------------------------

create trigger group_members_auto_leader_delete after delete on public.group_members
  referencing old table as old_rows for each statement execute function private.group_members_auto_leader_deleted();

create trigger group_members_auto_leader_insert after insert on public.group_members
  referencing new table as new_rows for each statement execute function private.group_members_auto_leader_inserted();

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
    (select private.is_platform_admin())
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

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

revoke update on public.group_invites from anon, authenticated;
grant update (revoked_at) on public.group_invites to authenticated;
revoke update on public.group_join_requests from anon, authenticated;
grant update (status, decided_by, decided_at) on public.group_join_requests to authenticated;

create trigger group_join_requests_audit after insert or update on public.group_join_requests
  for each row execute function private.audit_group_change();
create trigger group_invites_audit after insert or update on public.group_invites
  for each row execute function private.audit_group_change();

-- Leaders see who asks to join their groups.
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
  union
  select m.user_id from public.group_members m
  where m.group_id in (select private.member_list_group_ids())
  union
  select r.user_id from public.group_join_requests r
  where r.status = 'pending'
    and (r.group_id in (select private.managed_group_ids()) or r.group_id in (select private.leader_managed_group_ids()))
$$;

-- Functions created since the foundation's revoke (trigger functions included) run only for the API roles.
revoke all on all functions in schema private from public;
grant execute on all functions in schema private to anon, authenticated, service_role;

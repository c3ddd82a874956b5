-- Groups: one table for cohorts, course groups, teams, staff groups and learner groups, with
-- sub-groups of any depth (a closure table kept in the same transaction), one membership table,
-- and the two rules every policy uses: membership flows up, authority flows down.

create table public.groups (
  id uuid primary key default gen_random_uuid(),
  scope text not null check (scope in ('platform', 'organisation', 'course')),
  organisation_id uuid references public.organisations (id) on delete cascade,
  course_id uuid references public.courses (id) on delete cascade,
  parent_id uuid references public.groups (id) on delete cascade,
  kind text not null default 'group' check (length(btrim(kind)) between 1 and 40),
  name text not null check (length(btrim(name)) between 1 and 200),
  idnumber text check (idnumber is null or length(btrim(idnumber)) between 1 and 100),
  description text not null default '' check (length(description) <= 5000),
  -- scope: everyone in the group's scope sees it and its members; members (the default): its
  -- effective members see it, its direct members see who else is in it; own: members see it
  -- and only their own membership; hidden: staff and leaders only.
  visibility text not null default 'members' check (visibility in ('scope', 'members', 'own', 'hidden')),
  membership_mode text not null default 'manual'
    check (membership_mode in ('manual', 'open', 'request', 'invite', 'rule', 'sync')),
  size_limit integer check (size_limit is null or size_limit between 1 and 100000),
  messaging_enabled boolean not null default true,
  leaders_manage_members boolean not null default true,
  leaders_create_subgroups boolean not null default true,
  leaders_post_announcements boolean not null default true,
  leaders_see_progress boolean not null default true,
  leaders_moderate boolean not null default true,
  created_by uuid references public.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (
    (scope = 'platform' and organisation_id is null and course_id is null)
    or (scope = 'organisation' and organisation_id is not null and course_id is null)
    or (scope = 'course' and organisation_id is not null and course_id is not null)
  ),
  check (parent_id is distinct from id)
);
create index groups_parent_id_idx on public.groups (parent_id);
create index groups_organisation_id_idx on public.groups (organisation_id);
create index groups_course_id_idx on public.groups (course_id);
-- idnumber is unique within its scope: the platform, one organisation, or one course.
create unique index groups_idnumber_scope_key on public.groups (
  scope,
  coalesce(organisation_id, '00000000-0000-0000-0000-000000000000'::uuid),
  coalesce(course_id, '00000000-0000-0000-0000-000000000000'::uuid),
  idnumber
) where idnumber is not null;
alter table public.groups enable row level security;
alter table public.groups force row level security;

-- Every (ancestor, descendant) pair, each group its own ancestor at depth 0.
create table public.group_closure (
  ancestor_id uuid not null references public.groups (id) on delete cascade,
  descendant_id uuid not null references public.groups (id) on delete cascade,
  depth integer not null check (depth >= 0),
  primary key (ancestor_id, descendant_id)
);
create index group_closure_descendant_idx on public.group_closure (descendant_id, ancestor_id, depth);
alter table public.group_closure enable row level security;
alter table public.group_closure force row level security;

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
create index group_members_user_idx on public.group_members (user_id, group_id);
create index group_members_group_role_idx on public.group_members (group_id, role);
create index group_members_valid_until_idx on public.group_members (valid_until) where valid_until <> 'infinity';
alter table public.group_members enable row level security;
alter table public.group_members force row level security;

-- Hierarchy maintenance -------------------------------------------------------------------------

-- A sub-group takes its parent's scope; moves stay inside one scope and never create a cycle.
-- Moves in one scope are serialised by an advisory lock, so two concurrent moves cannot
-- together make a loop that each alone would not.
create or replace function private.groups_before_write() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  parent public.groups;
begin
  if new.parent_id is not null and (tg_op = 'INSERT' or new.parent_id is distinct from old.parent_id) then
    perform pg_advisory_xact_lock(hashtext('tessera.groups.tree'),
      hashtext(coalesce(new.course_id::text, new.organisation_id::text, 'platform')));
    select * into parent from public.groups where id = new.parent_id;
    if not found then
      raise exception 'The parent group does not exist.' using errcode = '23503';
    end if;
    if tg_op = 'UPDATE' and exists (
      select 1 from public.group_closure where ancestor_id = new.id and descendant_id = new.parent_id
    ) then
      raise exception 'A group cannot move into itself or one of its own sub-groups.' using errcode = '23514';
    end if;
    if tg_op = 'INSERT' then
      new.scope := parent.scope;
      new.organisation_id := parent.organisation_id;
      new.course_id := parent.course_id;
    elsif parent.scope is distinct from new.scope
       or parent.organisation_id is distinct from new.organisation_id
       or parent.course_id is distinct from new.course_id then
      raise exception 'A group can only move within its own organisation or course.' using errcode = '23514';
    end if;
  end if;
  if tg_op = 'UPDATE' and (new.scope, new.organisation_id, new.course_id)
       is distinct from (old.scope, old.organisation_id, old.course_id) and old.parent_id is not distinct from new.parent_id then
    raise exception 'A group''s scope cannot change.' using errcode = '23514';
  end if;
  new.updated_at := now();
  return new;
end
$$;
create trigger groups_before_write before insert or update on public.groups
  for each row execute function private.groups_before_write();

create or replace function private.groups_after_insert() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  insert into public.group_closure (ancestor_id, descendant_id, depth)
  select ancestor_id, new.id, depth + 1 from public.group_closure where descendant_id = new.parent_id
  union all
  select new.id, new.id, 0;
  return null;
end
$$;
create trigger groups_after_insert after insert on public.groups
  for each row execute function private.groups_after_insert();

-- Moving a subtree: drop the paths from the old ancestors into the subtree, add the paths from
-- the new ones. Set-based: one delete and one insert whatever the subtree's size.
create or replace function private.groups_after_move() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  delete from public.group_closure c
  using public.group_closure sub, public.group_closure sup
  where sub.ancestor_id = new.id and c.descendant_id = sub.descendant_id
    and sup.descendant_id = new.id and sup.ancestor_id <> new.id and c.ancestor_id = sup.ancestor_id;
  if new.parent_id is not null then
    insert into public.group_closure (ancestor_id, descendant_id, depth)
    select sup.ancestor_id, sub.descendant_id, sup.depth + sub.depth + 1
    from public.group_closure sup, public.group_closure sub
    where sup.descendant_id = new.parent_id and sub.ancestor_id = new.id;
  end if;
  return null;
end
$$;
create trigger groups_after_move after update of parent_id on public.groups
  for each row when (old.parent_id is distinct from new.parent_id)
  execute function private.groups_after_move();

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
create trigger group_members_enforce_limit before insert or update of role on public.group_members
  for each row execute function private.group_members_enforce_limit();

-- Policy helpers --------------------------------------------------------------------------------

-- Groups the current user is an effective member of: every ancestor of a group they belong to
-- (directly, in any role) with a membership valid now.
create or replace function private.member_group_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$
  select distinct c.ancestor_id
  from public.group_members m join public.group_closure c on c.descendant_id = m.group_id
  where m.user_id = (select auth.uid()) and m.valid_from <= now() and m.valid_until > now()
$$;

-- Groups the current user leads: every descendant of a group where they are a leader.
create or replace function private.led_group_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$
  select distinct c.descendant_id
  from public.group_members m join public.group_closure c on c.ancestor_id = m.group_id
  where m.user_id = (select auth.uid()) and m.role = 'leader'
    and m.valid_from <= now() and m.valid_until > now()
$$;

-- Groups the current user administers as staff: every group of the organisations they
-- administer and of the courses they manage (org admins, instructors).
create or replace function private.managed_group_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$
  select g.id from public.groups g
  where g.organisation_id in (select private.admin_organisation_ids())
  union
  select g.id from public.groups g
  where g.course_id in (select private.managed_course_ids())
$$;

-- Groups whose members the current user may see in full: managed groups, groups of courses
-- they staff (assistants too), and groups they lead.
create or replace function private.staff_group_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$
  select id from private.managed_group_ids() as id
  union
  select g.id from public.groups g where g.course_id in (select private.staffed_course_ids())
  union
  select id from private.led_group_ids() as id
$$;

-- Groups the current user may see at all.
create or replace function private.visible_group_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$
  select id from private.staff_group_ids() as id
  union
  select g.id from public.groups g
  where g.visibility <> 'hidden' and g.id in (select private.member_group_ids())
  union
  select g.id from public.groups g
  where g.visibility = 'scope' and (
    g.scope = 'platform'
    or (g.scope = 'organisation' and g.organisation_id in (select private.member_organisation_ids()))
    or (g.scope = 'course' and g.course_id in (select private.visible_course_ids()))
  )
$$;

-- Groups whose full member list the current user may read: staff and leaders; everyone who can
-- see a group open to its scope; and the direct members of a members-only group. Members who
-- come through a sub-group see that the parent exists, not its roster: a leader of a sub-group
-- sees nothing of the people in its parent or siblings.
create or replace function private.member_list_group_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$
  select id from private.staff_group_ids() as id
  union
  select g.id from public.groups g
  where g.visibility = 'scope' and g.id in (select private.visible_group_ids())
  union
  select m.group_id from public.group_members m join public.groups g on g.id = m.group_id
  where m.user_id = (select auth.uid()) and g.visibility = 'members'
    and m.valid_from <= now() and m.valid_until > now()
$$;

-- Groups whose members the current user may add, remove and change as a leader.
create or replace function private.leader_managed_group_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$
  select g.id from public.groups g
  where g.leaders_manage_members and g.membership_mode not in ('sync', 'rule')
    and g.id in (select private.led_group_ids())
$$;

-- Groups where a leader may create sub-groups.
create or replace function private.leader_parent_group_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$
  select g.id from public.groups g
  where g.leaders_create_subgroups and g.id in (select private.led_group_ids())
$$;

-- Whether the change comes through the JSON API (synced groups are changed only there).
create or replace function private.via_api() returns boolean
language sql stable security definer set search_path = ''
as $$
  select coalesce(nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'via', '') = 'api'
$$;

-- People the current user may see: the foundation's rule, plus the members of every group whose
-- member list they may read (a leader sees the people they lead).
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
$$;

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

revoke all on all functions in schema private from public;
grant execute on all functions in schema private to anon, authenticated, service_role;

-- Policies --------------------------------------------------------------------------------------

create policy "people see the groups their scope, membership or leadership allows"
  on public.groups for select to authenticated
  using (
    (select private.is_platform_admin())
    or organisation_id in (select private.admin_organisation_ids())
    or course_id in (select private.staffed_course_ids())
    or id in (select private.visible_group_ids())
  );
create policy "admins create groups in their scope and leaders create sub-groups"
  on public.groups for insert to authenticated
  with check (
    (select private.is_platform_admin())
    or (scope = 'organisation' and organisation_id in (select private.admin_organisation_ids()))
    or (scope = 'course' and course_id in (select private.managed_course_ids()))
    or parent_id in (select private.leader_parent_group_ids())
  );
create policy "admins edit the groups of their scope"
  on public.groups for update to authenticated
  using ((select private.is_platform_admin()) or id in (select private.managed_group_ids()))
  with check ((select private.is_platform_admin()) or id in (select private.managed_group_ids()));
create policy "admins delete the groups of their scope"
  on public.groups for delete to authenticated
  using ((select private.is_platform_admin()) or id in (select private.managed_group_ids()));

create policy "people see the hierarchy of the groups they can see"
  on public.group_closure for select to authenticated
  using (
    (select private.is_platform_admin())
    or (ancestor_id in (select private.visible_group_ids())
        and descendant_id in (select private.visible_group_ids()))
  );
-- No write policies: only the hierarchy triggers write the closure.

create policy "people see the members their view of the group allows"
  on public.group_members for select to authenticated
  using (
    (select private.is_platform_admin())
    or group_id in (select private.member_list_group_ids())
    or (user_id = (select auth.uid()) and group_id in (select private.visible_group_ids()))
  );
create policy "admins and leaders add members, and people join open groups"
  on public.group_members for insert to authenticated
  with check (
    (select private.is_platform_admin())
    or (
      group_id in (select private.managed_group_ids())
      and (group_id not in (select id from public.groups where membership_mode = 'sync') or (select private.via_api()))
    )
    or (role = 'member' and group_id in (select private.leader_managed_group_ids()))
    or (
      user_id = (select auth.uid()) and role = 'member' and source = 'self'
      and group_id in (select id from public.groups where membership_mode = 'open')
      and group_id in (select private.visible_group_ids())
    )
  );
create policy "admins and leaders change memberships"
  on public.group_members for update to authenticated
  using (
    (select private.is_platform_admin())
    or (
      group_id in (select private.managed_group_ids())
      and (group_id not in (select id from public.groups where membership_mode = 'sync') or (select private.via_api()))
    )
    or (role = 'member' and group_id in (select private.leader_managed_group_ids()))
  )
  with check (
    (select private.is_platform_admin())
    or group_id in (select private.managed_group_ids())
    or (role = 'member' and group_id in (select private.leader_managed_group_ids()))
  );
create policy "admins and leaders remove members, and people leave open groups"
  on public.group_members for delete to authenticated
  using (
    (select private.is_platform_admin())
    or (
      group_id in (select private.managed_group_ids())
      and (group_id not in (select id from public.groups where membership_mode = 'sync') or (select private.via_api()))
    )
    or (role = 'member' and group_id in (select private.leader_managed_group_ids()))
    or (user_id = (select auth.uid()) and group_id in (select id from public.groups where membership_mode = 'open'))
  );

-- Audit -----------------------------------------------------------------------------------------

alter table public.audit_events add column group_id uuid;
create index audit_events_group_idx on public.audit_events (group_id, created_at desc);

create or replace function private.audit_group_change() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  row_new jsonb := case when tg_op = 'DELETE' then null else to_jsonb(new) end;
  row_old jsonb := case when tg_op = 'INSERT' then null else to_jsonb(old) end;
  subject jsonb := coalesce(row_new, row_old);
  target_group uuid;
  target public.groups;
begin
  if tg_op = 'UPDATE' and (row_new - 'updated_at') = (row_old - 'updated_at') then
    return null;
  end if;
  target_group := case when tg_table_name = 'groups' then (subject ->> 'id')::uuid else (subject ->> 'group_id')::uuid end;
  select * into target from public.groups where id = target_group;
  insert into public.audit_events (actor_id, action, organisation_id, course_id, group_id, subject_user_id, via, data)
  values (
    (select auth.uid()),
    tg_table_name || '.' || lower(tg_op),
    coalesce(target.organisation_id, (subject ->> 'organisation_id')::uuid),
    coalesce(target.course_id, (subject ->> 'course_id')::uuid),
    target_group,
    (subject ->> 'user_id')::uuid,
    coalesce(nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'via', 'system'),
    jsonb_build_object('old', row_old, 'new', row_new)
  );
  return null;
end
$$;
create trigger groups_audit after insert or update or delete on public.groups
  for each row execute function private.audit_group_change();
create trigger group_members_audit after insert or update or delete on public.group_members
  for each row execute function private.audit_group_change();

drop policy "platform admins see all history and organisation admins their organisation's" on public.audit_events;
create policy "admins see their scope's history and leaders their groups'"
  on public.audit_events for select to authenticated
  using (
    (select private.is_platform_admin())
    or organisation_id in (select private.admin_organisation_ids())
    or course_id in (select private.managed_course_ids())
    or group_id in (select private.led_group_ids())
  );

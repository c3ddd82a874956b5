-- Groups: one table for cohorts, course groups, teams, staff groups and learner groups, at
-- platform, organisation or course scope, with sub-groups of any depth. The hierarchy is a closure
-- table (every ancestor/descendant pair with its depth) kept by triggers in the same transaction,
-- so ancestors, descendants and subtree moves are single indexed statements at any depth.

-- Triggers, in firing order (before statement, before row, after row, after statement; by name
-- within each; deferred constraint triggers at commit):
--   public.groups:
--     groups_before_write: before insert or update, each row
--     groups_guard_synced_parent: before insert or update, each row
--     groups_log_delete: before delete, each row [11_learner_groups.sql]
--     groups_after_insert: after insert, each row
--     groups_after_move: after update, each row
--     groups_audit: after insert or update or delete, each row [12_audit.sql]
--     groups_ensure_channels: after insert or update, each row [09_channels.sql]
--     groups_log_move: after update, each statement [11_learner_groups.sql]
--     groups_moved_sync_links: after update, each statement [06_course_links.sql]
--     groups_notify_move: after update, each statement [09_channels.sql]
--   public.group_closure: none

set check_function_bodies = off;

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
  -- In the bin (07_course_groups.sql, "The bin"): since when, and with which grouping it went
  -- (restored and purged with it). Only the bin's functions write these; binned groups are left
  -- out of every helper set and membership view, so no policy shows them.
  deleted_at timestamptz,
  binned_with uuid,
  constraint groups_binned_check check ((deleted_at is null) = (binned_with is null)),
  check (
    (scope = 'platform' and organisation_id is null and course_id is null)
    or (scope = 'organisation' and organisation_id is not null and course_id is null)
    or (scope = 'course' and organisation_id is not null and course_id is not null)
  ),
  check (parent_id is distinct from id)
);
create index groups_course_id_idx on public.groups (course_id);
create index groups_binned_idx on public.groups (binned_with, deleted_at) where deleted_at is not null;
-- idnumber is unique within its scope: the platform, one organisation, or one course.
create unique index groups_idnumber_scope_key on public.groups (
  scope,
  coalesce(organisation_id, '00000000-0000-0000-0000-000000000000'::uuid),
  coalesce(course_id, '00000000-0000-0000-0000-000000000000'::uuid),
  idnumber
) where idnumber is not null;
create index groups_organisation_id_idx on public.groups (organisation_id);
create index groups_parent_id_idx on public.groups (parent_id);
alter table public.groups enable row level security;
alter table public.groups force row level security;
revoke all on table public.groups from anon, authenticated, service_role;
grant insert, select, delete on table public.groups to anon;
grant insert, select, delete on table public.groups to authenticated;
grant insert, select, update, delete on table public.groups to service_role;
grant update (parent_id, kind, name, idnumber, description, visibility, membership_mode, size_limit, messaging_enabled, leaders_manage_members, leaders_create_subgroups, leaders_post_announcements, leaders_see_progress, leaders_moderate) on table public.groups to anon;
grant update (parent_id, kind, name, idnumber, description, visibility, membership_mode, size_limit, messaging_enabled, leaders_manage_members, leaders_create_subgroups, leaders_post_announcements, leaders_see_progress, leaders_moderate) on table public.groups to authenticated;

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
revoke all on table public.group_closure from anon, authenticated, service_role;
grant insert, select, update, delete on table public.group_closure to anon;
grant insert, select, update, delete on table public.group_closure to authenticated;
grant insert, select, update, delete on table public.group_closure to service_role;

-- Functions ---------------------------------------------------------------------------------------

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
revoke all on function private.groups_after_insert() from public, anon, authenticated, service_role;

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
revoke all on function private.groups_after_move() from public, anon, authenticated, service_role;

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
revoke all on function private.groups_before_write() from public, anon, authenticated, service_role;

-- A synced group's members come only from its external source (or the system), so nobody may
-- hang a sub-group under it that people join another way: its members would count as members
-- of the synced group. Sub-groups of synced (or rule-based) groups must be synced or rule-based.
create or replace function private.groups_guard_synced_parent() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if new.parent_id is not null
     and new.membership_mode not in ('sync', 'rule')
     and exists (
       select 1 from public.groups p where p.id = new.parent_id and p.membership_mode in ('sync', 'rule')
     ) then
    raise exception 'A sub-group of a synced group must be synced too: its members would count as members of the synced group.'
      using errcode = '23514';
  end if;
  return new;
end
$$;
revoke all on function private.groups_guard_synced_parent() from public, anon, authenticated, service_role;

create or replace function private.leader_managed_group_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$ select unnest(private.leader_managed_group_ids_array()) $$;
revoke all on function private.leader_managed_group_ids() from public, anon, authenticated, service_role;
grant execute on function private.leader_managed_group_ids() to authenticated, service_role;

-- Groups where a leader may create sub-groups.
create or replace function private.leader_parent_group_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$
  select g.id from public.groups g
  where g.leaders_create_subgroups and g.id in (select private.led_group_ids())
$$;
revoke all on function private.leader_parent_group_ids() from public, anon, authenticated, service_role;
grant execute on function private.leader_parent_group_ids() to authenticated, service_role;

create or replace function private.led_group_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$ select unnest(private.led_group_ids_array()) $$;
revoke all on function private.led_group_ids() from public, anon, authenticated, service_role;
grant execute on function private.led_group_ids() to authenticated, service_role;

create or replace function private.member_group_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$ select unnest(private.member_group_ids_array()) $$;
revoke all on function private.member_group_ids() from public, anon, authenticated, service_role;
grant execute on function private.member_group_ids() to authenticated, service_role;

create or replace function private.staff_group_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$ select unnest(private.staff_group_ids_array()) $$;
revoke all on function private.staff_group_ids() from public, anon, authenticated, service_role;

-- Groups in the bin (07_course_groups.sql, "The bin"): the set the membership views and the
-- helpers subtract, so a binned group counts nowhere. Ids only, no names; bins are few and short
-- lived, so it stays small.
create or replace function private.binned_group_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
begin
  return array(select id from public.groups where deleted_at is not null);
end
$$;
revoke all on function private.binned_group_ids_array() from public, anon, authenticated, service_role;
grant execute on function private.binned_group_ids_array() to authenticated, service_role;

-- Whether the change comes through the JSON API (synced groups are changed only there).
create or replace function private.via_api() returns boolean
language sql stable security definer set search_path = ''
as $$
  select coalesce(nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'via', '') = 'api'
$$;
revoke all on function private.via_api() from public, anon, authenticated, service_role;
grant execute on function private.via_api() to authenticated, service_role;

-- Courses where the current user is an active learner and groups are visible to learners.
create or replace function private.visible_mode_course_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  uid uuid := auth.uid();
begin
  return array(
    select e.course_id from public.enrolments e join public.courses c on c.id = e.course_id
    where e.user_id = uid and e.status = 'active' and c.group_mode = 'visible'
  );
end
$$;
revoke all on function private.visible_mode_course_ids_array() from public, anon, authenticated, service_role;
grant execute on function private.visible_mode_course_ids_array() to authenticated, service_role;

-- Permissions on groups (see 03_organisations_courses.sql for what the may_* functions are).
-- Edit, move and delete a group: the admins of its organisation or course.
create or replace function public.may_manage_groups(ids uuid[]) returns uuid[]
language plpgsql stable security invoker set search_path = ''
as $$
begin
  if auth.uid() is null then
    return '{}';
  end if;
  if private.is_platform_admin() then
    return ids;
  end if;
  return array(select unnest(ids) intersect select unnest(private.managed_group_ids_array()));
end
$$;
revoke all on function public.may_manage_groups(ids uuid[]) from public, anon, authenticated, service_role;
grant execute on function public.may_manage_groups(ids uuid[]) to anon, authenticated, service_role;

create or replace function public.may_create_subgroups(ids uuid[]) returns uuid[]
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
    (select unnest(private.managed_group_ids_array()) union select private.leader_parent_group_ids())
  );
end
$$;
revoke all on function public.may_create_subgroups(ids uuid[]) from public, anon, authenticated, service_role;
grant execute on function public.may_create_subgroups(ids uuid[]) to anon, authenticated, service_role;

-- See a group's progress dashboard: staff of its organisation or course, and leaders of it or
-- of an ancestor that lets its leaders see progress.
create or replace function public.may_see_group_progress(ids uuid[]) returns uuid[]
language plpgsql stable security invoker set search_path = ''
as $$
declare
  uid uuid := auth.uid();
  managed uuid[];
  staffed uuid[];
begin
  if auth.uid() is null then
    return '{}';
  end if;
  if private.is_platform_admin() then
    return ids;
  end if;
  -- Read once: called in the WHERE clause they ran again for every group (seconds for an
  -- organisation of 1,900 groups, bench/tree.js), and looked up by hash.
  managed := private.managed_group_ids_array();
  staffed := private.staffed_course_ids_array();
  return array(
    select g.id from public.groups g
    where g.id = any (ids) and (
      g.id in (select unnest(managed))
      or g.course_id in (select unnest(staffed))
      or exists (
        select 1 from public.group_closure c
        join public.current_memberships l on l.group_id = c.ancestor_id
        join public.groups lg on lg.id = c.ancestor_id
        where c.descendant_id = g.id and l.user_id = uid and l.role = 'leader' and lg.leaders_see_progress
      )
    )
  );
end
$$;
revoke all on function public.may_see_group_progress(ids uuid[]) from public, anon, authenticated, service_role;
grant execute on function public.may_see_group_progress(ids uuid[]) to anon, authenticated, service_role;

-- What the current user may do with each of these groups they can see, for the UI's flags (one
-- read per page). Security invoker: the caller's RLS decides which rows come back, the permission
-- functions decide each flag, so a flag never says yes where the policy says no.
create or replace function public.group_capabilities(group_ids uuid[])
returns table (
  group_id uuid,
  can_manage boolean,
  can_manage_members boolean,
  can_create_subgroups boolean,
  can_read boolean,
  can_announce boolean,
  can_moderate boolean,
  can_see_progress boolean,
  is_member boolean,
  is_leader boolean
)
language plpgsql stable security invoker set search_path = ''
as $$
declare
  visible uuid[];
  manage uuid[];
  manage_members uuid[];
  create_subgroups uuid[];
  readable uuid[];
  announce uuid[];
  moderate uuid[];
  progress uuid[];
  member_of uuid[];
  led uuid[];
begin
  if auth.uid() is null then
    return;
  end if;
  visible := array(select g.id from public.groups g where g.id = any (group_ids));
  manage := public.may_manage_groups(visible);
  manage_members := public.may_manage_group_members(visible);
  create_subgroups := public.may_create_subgroups(visible);
  readable := public.may_read_groups(visible);
  announce := public.may_announce_in(visible);
  moderate := public.may_moderate_groups(visible);
  progress := public.may_see_group_progress(visible);
  member_of := array(select private.member_group_ids());
  led := array(select private.led_group_ids());
  -- `in (select unnest(…))` is a hashed lookup; `= any (array)` scanned the whole array for each
  -- group, which made the tree of an organisation of 1,900 groups take seconds (bench/tree.js).
  return query
    select v.id, v.id in (select unnest(manage)), v.id in (select unnest(manage_members)),
           v.id in (select unnest(create_subgroups)), v.id in (select unnest(readable)),
           v.id in (select unnest(announce)), v.id in (select unnest(moderate)),
           v.id in (select unnest(progress)), v.id in (select unnest(member_of)),
           v.id in (select unnest(led))
    from unnest(visible) as v(id);
end
$$;
revoke all on function public.group_capabilities(group_ids uuid[]) from public, anon, authenticated, service_role;
grant execute on function public.group_capabilities(group_ids uuid[]) to anon, authenticated, service_role;

-- Triggers ----------------------------------------------------------------------------------------

create trigger groups_after_insert after insert on public.groups
  for each row execute function private.groups_after_insert();

create trigger groups_after_move after update of parent_id on public.groups
  for each row when (old.parent_id is distinct from new.parent_id)
  execute function private.groups_after_move();

create trigger groups_before_write before insert or update on public.groups
  for each row execute function private.groups_before_write();

create trigger groups_guard_synced_parent before insert or update of parent_id, membership_mode on public.groups
  for each row execute function private.groups_guard_synced_parent();

-- Policies ----------------------------------------------------------------------------------------

create policy "admins create groups in their scope and leaders create sub-groups"
  on public.groups for insert to authenticated
  with check (
    -- Nobody creates a group straight into the bin (only the bin's functions put one there).
    deleted_at is null and binned_with is null and (
      (select private.is_platform_admin())
      or (scope = 'organisation' and organisation_id in (select private.admin_organisation_ids()))
      or (scope = 'course' and course_id in (select private.managed_course_ids()))
      or parent_id in (select private.leader_parent_group_ids())
    )
  );

create policy "admins delete the groups of their scope"
  on public.groups for delete to authenticated
  using ((select private.is_platform_admin()) or id in (select private.managed_group_ids()));

create policy "people see the hierarchy of the groups they can see"
  on public.group_closure for select to authenticated
  using (
    (
      (select private.is_platform_admin())
      and ancestor_id <> all ((select private.binned_group_ids_array())::uuid[])
      and descendant_id <> all ((select private.binned_group_ids_array())::uuid[])
    )
    or (ancestor_id in (select private.visible_group_ids())
        and descendant_id in (select private.visible_group_ids()))
  );

create policy "admins edit the groups of their scope"
  on public.groups for update to authenticated
  using ((select private.is_platform_admin()) or id in (select private.managed_group_ids()))
  with check (
    (select private.is_platform_admin())
    or organisation_id in (select private.admin_organisation_ids())
    or course_id in (select private.managed_course_ids())
  );

create policy "people see the groups their scope, membership or leadership allows"
  on public.groups for select to authenticated
  using (
    deleted_at is null and (
      (select private.is_platform_admin())
      or organisation_id in (select private.admin_organisation_ids())
      or course_id in (select private.staffed_course_ids())
      or id in (select private.visible_group_ids())
      or id in (select private.signup_listed_group_ids())
    )
  );

-- Policies --------------------------------------------------------------------------------------
-- Course staff (assistants too) keep learner groups where learner groups are switched on;
-- instructors and admins already manage every group of their courses.
create policy "course staff create learner groups where they are switched on"
  on public.groups for insert to authenticated
  with check (
    scope = 'course' and membership_mode = 'rule' and kind = 'learner-group'
    and deleted_at is null and binned_with is null
    and course_id = any ((select private.staffed_course_ids_array())::uuid[])
    and course_id = any ((select private.learner_group_course_ids_array())::uuid[])
  );

create policy "course staff edit learner groups"
  on public.groups for update to authenticated
  using (
    kind = 'learner-group' and membership_mode = 'rule'
    and course_id = any ((select private.staffed_course_ids_array())::uuid[])
  )
  with check (
    kind = 'learner-group' and membership_mode = 'rule'
    and course_id = any ((select private.staffed_course_ids_array())::uuid[])
  );

create policy "course staff delete learner groups"
  on public.groups for delete to authenticated
  using (
    kind = 'learner-group' and membership_mode = 'rule'
    and course_id = any ((select private.staffed_course_ids_array())::uuid[])
  );

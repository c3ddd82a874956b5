-- Course groups and groupings: named sets of a course's groups (a group may be in several); an
-- exclusive grouping keeps a learner in at most one of its groups, enforced here; groupings open
-- for self sign-up with places, dates and an automatic leader.

-- Triggers, in firing order (before statement, before row, after row, after statement; by name
-- within each; deferred constraint triggers at commit):
--   public.group_members (the others are in 05_memberships.sql):
--     group_members_enforce_grouping_limit: after insert, each statement
--   public.groupings:
--     groupings_touch: before update, each row
--     groupings_after_write: after insert or update, each row
--     groupings_audit: after insert or update or delete, each row [12_audit.sql]
--   public.grouping_groups:
--     grouping_groups_before_insert: before insert, each row
--     grouping_groups_audit: after insert or delete, each row [12_audit.sql]
--     grouping_groups_after_insert: after insert, each statement
--     grouping_groups_log_delete: after delete, each statement [11_learner_groups.sql]
--     grouping_groups_log_insert: after insert, each statement [11_learner_groups.sql]
--     grouping_groups_truncate: after truncate, each statement [11_learner_groups.sql]
--   public.grouping_assign_runs: none

set check_function_bodies = off;

-- Groupings -------------------------------------------------------------------------------------
create table public.groupings (
  id uuid primary key default gen_random_uuid(),
  course_id uuid not null references public.courses (id) on delete cascade,
  name text not null check (length(btrim(name)) between 1 and 200),
  idnumber text check (idnumber is null or length(btrim(idnumber)) between 1 and 100),
  description text not null default '' check (length(description) <= 5000),
  -- A learner is in at most one of the grouping's groups (course staff are not counted).
  exclusive boolean not null default false,
  signup_open boolean not null default false,
  -- Places per group for self sign-up, leaders included; null: the group's own limit only.
  signup_size_limit integer check (signup_size_limit is null or signup_size_limit between 1 and 100000),
  signup_opens_at timestamptz,
  signup_closes_at timestamptz,
  auto_leader text not null default 'none' check (auto_leader in ('none', 'first', 'random')),
  created_by uuid references public.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- In the bin since, and who put it there ("The bin" below); only the bin's functions write these.
  deleted_at timestamptz,
  deleted_by uuid references public.users (id) on delete set null,
  check (signup_closes_at is null or signup_opens_at is null or signup_closes_at > signup_opens_at)
);
create index groupings_course_id_idx on public.groupings (course_id);
create index groupings_binned_idx on public.groupings (course_id, deleted_at) where deleted_at is not null;
create index groupings_deleted_by_idx on public.groupings (deleted_by) where deleted_by is not null;
-- idnumber is unique among the course's groupings (groups have their own idnumbers).
create unique index groupings_course_idnumber_key on public.groupings (course_id, idnumber)
  where idnumber is not null;
alter table public.groupings enable row level security;
alter table public.groupings force row level security;
revoke all on table public.groupings from anon, authenticated, service_role;
grant insert, select, delete on table public.groupings to anon;
grant insert, select, delete on table public.groupings to authenticated;
grant insert, select, update, delete on table public.groupings to service_role;
grant update (name, idnumber, description, exclusive, signup_open, signup_size_limit, signup_opens_at, signup_closes_at, auto_leader) on table public.groupings to anon;
grant update (name, idnumber, description, exclusive, signup_open, signup_size_limit, signup_opens_at, signup_closes_at, auto_leader) on table public.groupings to authenticated;

create table public.grouping_groups (
  grouping_id uuid not null references public.groupings (id) on delete cascade,
  group_id uuid not null references public.groups (id) on delete cascade,
  added_at timestamptz not null default now(),
  primary key (grouping_id, group_id)
);
create index grouping_groups_group_id_idx on public.grouping_groups (group_id, grouping_id);
alter table public.grouping_groups enable row level security;
alter table public.grouping_groups force row level security;
revoke all on table public.grouping_groups from anon, authenticated, service_role;
grant insert, select, delete on table public.grouping_groups to anon;
grant insert, select, delete on table public.grouping_groups to authenticated;
grant insert, select, update, delete on table public.grouping_groups to service_role;

-- "Assign unassigned" on a large grouping runs as a job (src/lib/server/course-groups/assign.ts):
-- queued by a course manager, worked in batches acting as them, its progress readable by the
-- course's managers until it is done (kept as the grouping's history; gone with the grouping).
create table public.grouping_assign_runs (
  id uuid primary key default gen_random_uuid(),
  grouping_id uuid not null references public.groupings (id) on delete cascade,
  requested_by uuid references public.users (id) on delete set null,
  status text not null default 'queued' check (status in ('queued', 'running', 'done', 'failed')),
  -- Learners in none of the grouping's groups when the run was queued, and how many it has
  -- placed or found no place for so far.
  total integer not null default 0 check (total >= 0),
  processed integer not null default 0 check (processed >= 0),
  assigned integer not null default 0 check (assigned >= 0),
  left_over jsonb not null default '[]' check (jsonb_typeof(left_over) = 'array'),
  error text,
  created_at timestamptz not null default now(),
  finished_at timestamptz
);
create index grouping_assign_runs_grouping_idx on public.grouping_assign_runs (grouping_id, created_at desc);
create index grouping_assign_runs_requested_by_idx on public.grouping_assign_runs (requested_by);
alter table public.grouping_assign_runs enable row level security;
alter table public.grouping_assign_runs force row level security;
revoke all on table public.grouping_assign_runs from anon, authenticated, service_role;
grant insert, select on table public.grouping_assign_runs to anon;
grant insert, select on table public.grouping_assign_runs to authenticated;
grant insert, select, update, delete on table public.grouping_assign_runs to service_role;

-- Functions ---------------------------------------------------------------------------------------

-- Memberships in groups of an exclusive grouping, checked once per statement after it (the
-- transition table holds the new rows): a self sign-up, an approved request or a redeemed
-- invitation (the learner's own choice), or a cohort sync (the authority on who belongs where)
-- moves the learner out of the grouping's other groups and says so in tessera.moved_from; so does
-- a staff add (the app sets tessera.move_exclusive for memberships.add) when the person adding may
-- manage the members of the group the learner leaves. Every move is appended to tessera.moves
-- (a JSON array of {userId, displayName, fromGroupId, fromGroupName}) for the answer. Any other
-- add is refused, naming the group they are in. Course staff are not counted.
--
-- Order matters under concurrency: the statement first takes the shared lock of every course it
-- touches (a grouping turning exclusive, or gaining one of these groups, waits for this
-- transaction, or this one waits for it and then sees it), then one lock per (course, person),
-- and only then reads, each query with a fresh snapshot, so a conflicting change committed while
-- it waited is seen.
create or replace function private.enforce_exclusive(group_ids uuid[], user_ids uuid[], sources text[])
returns void
language plpgsql security definer set search_path = ''
as $$
declare
  clash record;
  moved text[] := '{}';
begin
  perform private.lock_course_groupings(c.course_id, false)
  from (
    select distinct g.course_id from unnest(group_ids) as n(group_id) join public.groups g on g.id = n.group_id
    where g.course_id is not null order by g.course_id
  ) c;
  if not exists (
    select 1 from unnest(group_ids) as n(group_id)
    join public.grouping_groups gg on gg.group_id = n.group_id
    join public.groupings gr on gr.id = gg.grouping_id and gr.deleted_at is null and gr.exclusive
  ) then
    return;
  end if;
  perform pg_advisory_xact_lock(hashtext('tessera.groupings.person'), hashtext(p.course_id::text || p.user_id::text))
  from (
    select distinct gr.course_id, n.user_id from unnest(group_ids, user_ids) as n(group_id, user_id)
    join public.grouping_groups gg on gg.group_id = n.group_id
    join public.groupings gr on gr.id = gg.grouping_id and gr.deleted_at is null and gr.exclusive
    order by gr.course_id, n.user_id
  ) p;
  for clash in
    select distinct on (n.user_id, other.group_id)
           n.user_id, n.source, other.group_id as other_id, og.name as other_name, gr.name as grouping_name,
           u.display_name, exists (
             select 1 from unnest(group_ids, user_ids) as again(group_id, user_id)
             where again.group_id = other.group_id and again.user_id = n.user_id
           ) as other_is_new
    from unnest(group_ids, user_ids, sources) as n(group_id, user_id, source)
    join public.grouping_groups gg on gg.group_id = n.group_id
    join public.groupings gr on gr.id = gg.grouping_id and gr.deleted_at is null and gr.exclusive
    join public.grouping_groups theirs on theirs.grouping_id = gr.id and theirs.group_id <> n.group_id
    join public.unexpired_memberships other on other.group_id = theirs.group_id and other.user_id = n.user_id
    join public.groups og on og.id = other.group_id
    join public.users u on u.id = n.user_id
    where not private.is_course_staff(gr.course_id, n.user_id)
    order by n.user_id, other.group_id, og.name
  loop
    if not clash.other_is_new and (
      clash.source in ('self', 'invite', 'sync')
      or (
        clash.source = 'manual'
        and current_setting('tessera.move_exclusive', true) = 'on'
        and clash.other_id = any (public.may_manage_group_members(array[clash.other_id]))
      )
    ) then
      delete from public.group_members where group_id = clash.other_id and user_id = clash.user_id;
      moved := moved || clash.other_name;
      perform set_config('tessera.moves', (
        coalesce(nullif(current_setting('tessera.moves', true), ''), '[]')::jsonb
        || jsonb_build_array(jsonb_build_object(
             'userId', clash.user_id, 'displayName', clash.display_name,
             'fromGroupId', clash.other_id, 'fromGroupName', clash.other_name))
      )::text, true);
    else
      raise exception '% is already in %, and the grouping "%" allows one of its groups per learner.',
        clash.display_name, clash.other_name, clash.grouping_name
        using errcode = '23514', hint = 'exclusive_grouping', detail = clash.other_id::text;
    end if;
  end loop;
  if cardinality(moved) > 0 then
    perform set_config('tessera.moved_from', array_to_string(moved, ', '), true);
  end if;
end
$$;
revoke all on function private.enforce_exclusive(group_ids uuid[], user_ids uuid[], sources text[]) from public, anon, authenticated, service_role;

-- A set's member limit (groupings.signup_size_limit: places per group, leaders included) binds
-- every add, open for sign-up or not: checked once per statement after it, under each group's
-- row lock (in id order), counting unexpired memberships. Course staff may go over it on
-- purpose: the app sets tessera.over_limit for an add whose "over the limit" box is ticked, and
-- it counts only for a course manager (or platform admin), so a learner who sets it gains
-- nothing. A cohort sync (source 'sync') is the authority on who belongs where and is not held.
create or replace function private.enforce_grouping_limits(group_ids uuid[], sources text[])
returns void
language plpgsql security definer set search_path = ''
as $$
declare
  target record;
  current_count integer;
begin
  for target in
    select g.id, g.name, g.course_id, min(gr.signup_size_limit) as place_limit
    from unnest(group_ids, sources) as n(group_id, source)
    join public.groups g on g.id = n.group_id
    join public.grouping_groups gg on gg.group_id = g.id
    join public.groupings gr on gr.id = gg.grouping_id and gr.deleted_at is null and gr.signup_size_limit is not null
    where n.source <> 'sync'
    group by g.id, g.name, g.course_id
    order by g.id
  loop
    perform 1 from public.groups where id = target.id for update;
    select count(*) into current_count from public.unexpired_memberships where group_id = target.id;
    if current_count > target.place_limit and not (
      current_setting('tessera.over_limit', true) = 'on'
      and (private.is_platform_admin() or target.course_id in (select private.managed_course_ids()))
    ) then
      raise exception '% is full: its grouping allows % people per group.', target.name, target.place_limit
        using errcode = '23514', hint = 'grouping_full', detail = target.id::text;
    end if;
  end loop;
end
$$;
revoke all on function private.enforce_grouping_limits(group_ids uuid[], sources text[]) from public, anon, authenticated, service_role;

create or replace function private.group_members_grouping_limit_inserted() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  perform private.enforce_grouping_limits(array_agg(group_id), array_agg(source)) from new_rows;
  return null;
end
$$;
revoke all on function private.group_members_grouping_limit_inserted() from public, anon, authenticated, service_role;

-- Automatic leader: when a group of a grouping with auto_leader has members but no leader, the
-- first member to have joined (or a random one) becomes its leader. Runs after each statement
-- that adds or removes members, under the group's row lock, so concurrent joins and leaves
-- agree on one leader.
create or replace function private.ensure_auto_leaders(group_ids uuid[]) returns void
language plpgsql security definer set search_path = ''
as $$
declare
  target record;
  chosen uuid;
begin
  for target in
    select distinct on (g.id) g.id, gr.auto_leader
    from public.groups g
    join public.grouping_groups gg on gg.group_id = g.id
    join public.groupings gr on gr.id = gg.grouping_id and gr.deleted_at is null and gr.auto_leader <> 'none'
    where g.id = any (group_ids)
    order by g.id, gr.auto_leader
  loop
    perform 1 from public.groups where id = target.id for update;
    if exists (
      select 1 from public.unexpired_memberships
      where group_id = target.id and role = 'leader'
    ) then
      continue;
    end if;
    select user_id into chosen from public.current_memberships
    where group_id = target.id and role = 'member'
    order by case when target.auto_leader = 'random' then random() end, added_at, user_id
    limit 1;
    if chosen is not null then
      update public.group_members set role = 'leader' where group_id = target.id and user_id = chosen;
    end if;
  end loop;
end
$$;
revoke all on function private.ensure_auto_leaders(group_ids uuid[]) from public, anon, authenticated, service_role;

-- After the statement, so adding many groups at once checks the grouping once per grouping.
create or replace function private.grouping_groups_after_insert() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  target uuid;
begin
  for target in select distinct n.grouping_id from new_rows n join public.groupings gr on gr.id = n.grouping_id where gr.exclusive loop
    perform private.groupings_check_exclusive(target);
  end loop;
  perform private.ensure_auto_leaders(array(select distinct group_id from new_rows));
  return null;
end
$$;
revoke all on function private.grouping_groups_after_insert() from public, anon, authenticated, service_role;

-- A grouping holds groups of its own course only.
create or replace function private.grouping_groups_before_insert() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  grouping_course uuid;
  grouping_exclusive boolean;
begin
  select course_id, exclusive into grouping_course, grouping_exclusive
  from public.groupings where id = new.grouping_id;
  if not exists (select 1 from public.groups where id = new.group_id and course_id = grouping_course) then
    raise exception 'A grouping can only hold groups of its own course.' using errcode = '23514', hint = 'other_course';
  end if;
  if grouping_exclusive then
    perform private.lock_course_groupings(grouping_course, true);
  end if;
  return new;
end
$$;
revoke all on function private.grouping_groups_before_insert() from public, anon, authenticated, service_role;

create or replace function private.groupings_after_write() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if new.auto_leader <> 'none' and tg_op = 'UPDATE' and new.auto_leader is distinct from old.auto_leader then
    perform private.ensure_auto_leaders(array(select group_id from public.grouping_groups where grouping_id = new.id));
  end if;
  if new.exclusive and (tg_op = 'INSERT' or not old.exclusive) then
    perform private.lock_course_groupings(new.course_id, true);
    perform private.groupings_check_exclusive(new.id);
  end if;
  return null;
end
$$;
revoke all on function private.groupings_after_write() from public, anon, authenticated, service_role;

-- A grouping becomes exclusive, or gains a group, only when nobody would then be in two of its
-- groups; the error names the first person and groups found.
create or replace function private.groupings_check_exclusive(target uuid) returns void
language plpgsql security definer set search_path = ''
as $$
declare
  clash record;
begin
  select u.display_name, array_agg(g.name order by g.name) as names, gr.name as grouping_name into clash
  from public.groupings gr
  join public.grouping_groups gg on gg.grouping_id = gr.id
  join public.groups g on g.id = gg.group_id
  join public.unexpired_memberships m on m.group_id = gg.group_id
  join public.users u on u.id = m.user_id
  where gr.id = target and gr.exclusive and not private.is_course_staff(gr.course_id, m.user_id)
  group by gr.name, u.id, u.display_name
  having count(*) > 1
  order by u.display_name
  limit 1;
  if found then
    raise exception '% is in % of the grouping "%"; an exclusive grouping allows one group per learner.',
      clash.display_name, array_to_string(clash.names, ' and '), clash.grouping_name
      using errcode = '23514', hint = 'exclusive_grouping';
  end if;
end
$$;
revoke all on function private.groupings_check_exclusive(target uuid) from public, anon, authenticated, service_role;

create or replace function private.groupings_touch() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end
$$;
revoke all on function private.groupings_touch() from public, anon, authenticated, service_role;

-- Whether a person counts for exclusivity: everyone but the course's staff.
create or replace function private.is_course_staff(course uuid, person uuid) returns boolean
language sql stable security definer set search_path = ''
as $$
  select exists (
    select 1 from public.enrolments
    where course_id = course and user_id = person and role in ('instructor', 'assistant')
  )
$$;
revoke all on function private.is_course_staff(course uuid, person uuid) from public, anon, authenticated, service_role;

create or replace function public.may_manage_groupings(ids uuid[]) returns uuid[]
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
    select g.id from public.groupings g
    where g.id = any (ids) and g.course_id in (select private.managed_course_ids())
  );
end
$$;
revoke all on function public.may_manage_groupings(ids uuid[]) from public, anon, authenticated, service_role;
grant execute on function public.may_manage_groupings(ids uuid[]) to anon, authenticated, service_role;

-- Exclusivity -----------------------------------------------------------------------------------
--
-- Every change that could put a learner in two groups of one exclusive grouping takes a lock on
-- the course: memberships take it shared (and one exclusive lock per learner and course, so two
-- joins of one learner queue), grouping changes take it exclusive. Checks then see every
-- committed change that could conflict with them.
create or replace function private.lock_course_groupings(course uuid, exclusive_lock boolean) returns void
language plpgsql security definer set search_path = ''
as $$
begin
  if exclusive_lock then
    perform pg_advisory_xact_lock(hashtext('tessera.groupings'), hashtext(course::text));
  else
    perform pg_advisory_xact_lock_shared(hashtext('tessera.groupings'), hashtext(course::text));
  end if;
end
$$;
revoke all on function private.lock_course_groupings(course uuid, exclusive_lock boolean) from public, anon, authenticated, service_role;

-- Signing up: takes the group's row lock (so joins into one group queue), then answers how full
-- it is. Only for groups the current user may sign up to now.
create or replace function private.lock_signup_group(target uuid)
returns table (members integer, place_limit integer)
language plpgsql volatile security definer set search_path = ''
as $$
declare
  course uuid;
begin
  if not (target = any (private.signup_group_ids_array(true))) then
    return;
  end if;
  select g.course_id into course from public.groups g where g.id = target;
  -- In the order the other paths take them: the course's grouping lock (shared), the rows of the
  -- groups a move may touch (this group and the others of its groupings, by id; a staff add
  -- locks its one group's row in the size-limit trigger), then the person's lock, so sign-ups,
  -- moves, staff adds and automatic leaders queue instead of deadlocking.
  perform private.lock_course_groupings(course, false);
  perform 1 from public.groups g
  where g.id = target or g.id in (
    select other.group_id from public.grouping_groups mine
    join public.grouping_groups other on other.grouping_id = mine.grouping_id
    where mine.group_id = target
  )
  order by g.id
  for update;
  perform pg_advisory_xact_lock(hashtext('tessera.groupings.person'), hashtext(course::text || auth.uid()::text));
  return query select p.members, p.place_limit from private.signup_group_places(array[target]) p;
end
$$;
revoke all on function private.lock_signup_group(target uuid) from public, anon, authenticated, service_role;
grant execute on function private.lock_signup_group(target uuid) to authenticated, service_role;

-- A staff add into a course group (memberships.add) takes the locks a sign-up takes, in the same
-- order, before it inserts: the course's grouping lock (shared), then the rows of the group and
-- of the other groups of its groupings, by id; so an add that moves a learner out of a sibling
-- group and sign-ups into those groups queue instead of deadlocking. Only for people who may
-- manage the group's members (anyone else locks nothing).
create or replace function private.lock_group_for_add(target uuid) returns void
language plpgsql volatile security definer set search_path = ''
as $$
declare
  course uuid;
begin
  if not (target = any (public.may_manage_group_members(array[target]))) then
    return;
  end if;
  select g.course_id into course from public.groups g where g.id = target;
  if course is null or not exists (select 1 from public.grouping_groups where group_id = target) then
    return;
  end if;
  perform private.lock_course_groupings(course, false);
  perform 1 from public.groups g
  where g.id = target or g.id in (
    select other.group_id from public.grouping_groups mine
    join public.grouping_groups other on other.grouping_id = mine.grouping_id
    where mine.group_id = target
  )
  order by g.id
  for update;
end
$$;
revoke all on function private.lock_group_for_add(target uuid) from public, anon, authenticated, service_role;
grant execute on function private.lock_group_for_add(target uuid) to authenticated, service_role;

-- Self sign-up ----------------------------------------------------------------------------------
-- Groups of groupings open for sign-up in the courses where the current user is an active
-- learner: listed (whatever the dates, so the page can say when sign-up opens) and joinable now
-- (within the dates).
create or replace function private.signup_group_ids_array(within_dates boolean default true) returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  uid uuid := auth.uid();
begin
  return array(
    select distinct gg.group_id
    from public.enrolments e
    join public.groupings gr on gr.course_id = e.course_id
    join public.grouping_groups gg on gg.grouping_id = gr.id
    where e.user_id = uid and e.status = 'active' and e.role = 'learner'
      and gr.signup_open and gr.deleted_at is null
      and (not within_dates or (
        (gr.signup_opens_at is null or gr.signup_opens_at <= now())
        and (gr.signup_closes_at is null or gr.signup_closes_at > now())
      ))
  );
end
$$;
revoke all on function private.signup_group_ids_array(within_dates boolean) from public, anon, authenticated, service_role;

-- How full the sign-up groups the current user may see are: direct members valid now (leaders
-- included) and the place limit (the least of the group's own limit and its groupings' member
-- limits, whether or not they are open for sign-up).
create or replace function private.signup_group_places(group_ids uuid[])
returns table (group_id uuid, members integer, place_limit integer)
language sql stable security definer set search_path = ''
as $$
  select g.id,
         (select count(*)::int from public.current_memberships m where m.group_id = g.id),
         least(g.size_limit, (
           select min(gr.signup_size_limit) from public.grouping_groups gg
           join public.groupings gr on gr.id = gg.grouping_id and gr.deleted_at is null
           where gg.group_id = g.id
         ))
  from public.groups g
  where g.id = any (group_ids)
    and (
      private.is_platform_admin()
      or g.id = any (private.signup_group_ids_array(false))
      or g.id = any (private.staff_group_ids_array())
      or g.id = any (private.visible_group_ids_array())
    )
$$;
revoke all on function private.signup_group_places(group_ids uuid[]) from public, anon, authenticated, service_role;
grant execute on function private.signup_group_places(group_ids uuid[]) to authenticated, service_role;

-- Auto-create from a cohort: the participants of a course the caller manages who are effective
-- members of a group linked to the course, or of one the caller can see (of the course's
-- organisation or the platform). The caller may not read that group's member list, so this
-- tells them, of their own course's participants only, who is in it: what choosing a cohort as
-- the source needs, and no more.
create or replace function private.course_participants_in_group(target_course uuid, cohort uuid)
returns setof uuid
language sql stable security definer set search_path = ''
as $$
  select e.user_id from public.enrolments e
  where e.course_id = target_course
    and ((select private.is_platform_admin()) or target_course in (select private.managed_course_ids()))
    and (
      exists (
        select 1 from public.course_group_links l where l.course_id = target_course and l.group_id = cohort
      )
      or exists (
        select 1 from public.groups g join public.courses c on c.id = target_course
        where g.id = cohort and (g.scope = 'platform' or g.organisation_id = c.organisation_id)
          and ((select private.is_platform_admin()) or g.id in (select private.visible_group_ids()))
      )
    )
    and exists (
      select 1 from public.group_closure gc
      join public.current_memberships m on m.group_id = gc.descendant_id
      where gc.ancestor_id = cohort and m.user_id = e.user_id
    )
$$;
revoke all on function private.course_participants_in_group(target_course uuid, cohort uuid) from public, anon, authenticated, service_role;
grant execute on function private.course_participants_in_group(target_course uuid, cohort uuid) to authenticated, service_role;

-- The bin ---------------------------------------------------------------------------------------
-- Deleting a grouping puts it in the bin for 30 days with its groups: those of its groups that
-- are in no other live grouping (a group another set still holds stays live and stays in that
-- set), and their sub-groups. Binned rows keep everything (memberships, channels, messages,
-- resources, links' targets) but count nowhere: groupings' select policy leaves binned ones out,
-- groups' select policy and every helper set leave binned groups out, and the membership views
-- leave their memberships out (private.binned_group_ids_array), so lists, channels, socket rooms,
-- sign-up, limits, exclusivity, leaders' follows and course links' fills all forget them at once.
-- Platform admins, whose policies short-circuit past the helpers, have the bin subtracted in the
-- select policies of what a group holds (members, channels, messages, reactions, announcements,
-- resources).
-- A restore brings the set, its groups and their memberships back; the daily purge job
-- (src/lib/server/course-groups/bin.ts) deletes bins older than 30 days for good. Only these
-- functions write deleted_at and binned_with (no API role may update those columns).

-- The groups that go to the bin with a live grouping.
create or replace function private.grouping_bin_group_ids(target uuid) returns uuid[]
language sql stable security definer set search_path = ''
as $$
  select array(
    select distinct c.descendant_id
    from public.grouping_groups gg
    join public.group_closure c on c.ancestor_id = gg.group_id
    join public.groups g on g.id = c.descendant_id and g.deleted_at is null
    where gg.grouping_id = target
      and not exists (
        select 1 from public.grouping_groups other
        join public.groupings og on og.id = other.grouping_id and og.deleted_at is null
        where other.group_id = gg.group_id and other.grouping_id <> target
      )
  )
$$;
revoke all on function private.grouping_bin_group_ids(target uuid) from public, anon, authenticated, service_role;

-- The course of a grouping the caller may manage, live or binned as asked; refuses (42501) a
-- grouping that is not there, not in that state, or not theirs, alike.
create or replace function private.bin_managed_course(target uuid, binned boolean) returns uuid
language plpgsql stable security definer set search_path = ''
as $$
declare
  course uuid;
begin
  select gr.course_id into course from public.groupings gr
  where gr.id = target and (gr.deleted_at is not null) = binned
    and (private.is_platform_admin() or gr.course_id = any (private.managed_course_ids_array()));
  if course is null then
    raise exception 'No such grouping, or you may not manage it.' using errcode = '42501';
  end if;
  return course;
end
$$;
revoke all on function private.bin_managed_course(target uuid, binned boolean) from public, anon, authenticated, service_role;

-- What deleting a grouping would do, for the confirmation: how many groups go to the bin, how
-- many people are in them now, and the groups that stay because another set holds them.
create or replace function private.grouping_bin_preview(target uuid)
returns table (group_count integer, member_count integer, staying text[])
language plpgsql stable security definer set search_path = ''
as $$
declare
  course uuid := private.bin_managed_course(target, false);
  ids uuid[] := private.grouping_bin_group_ids(target);
begin
  return query
  select cardinality(ids),
         (select count(distinct m.user_id)::int from public.current_memberships m where m.group_id = any (ids)),
         array(
           select g.name from public.grouping_groups gg join public.groups g on g.id = gg.group_id
           where gg.grouping_id = target and g.deleted_at is null and g.id <> all (ids)
           order by g.name collate public.natural
         )
  where course is not null;
end
$$;
revoke all on function private.grouping_bin_preview(target uuid) from public, anon, authenticated, service_role;
grant execute on function private.grouping_bin_preview(target uuid) to authenticated, service_role;

-- Deletes a grouping into the bin with its groups (for its course's managers).
create or replace function private.bin_grouping(target uuid)
returns table (group_count integer, member_count integer)
language plpgsql volatile security definer set search_path = ''
as $$
declare
  course uuid := private.bin_managed_course(target, false);
  ids uuid[];
  members integer;
begin
  perform private.lock_course_groupings(course, true);
  ids := private.grouping_bin_group_ids(target);
  select count(distinct m.user_id)::int into members from public.current_memberships m where m.group_id = any (ids);
  update public.groupings set deleted_at = now(), deleted_by = auth.uid() where id = target;
  update public.groups set deleted_at = now(), binned_with = target where id = any (ids);
  -- Every process re-reads its sockets' rooms: the groups' rooms empty at once.
  perform pg_notify('tessera_membership', json_build_object('all', true)::text);
  return query select cardinality(ids), members;
end
$$;
revoke all on function private.bin_grouping(target uuid) from public, anon, authenticated, service_role;
grant execute on function private.bin_grouping(target uuid) to authenticated, service_role;

-- A course's bin, for its managers: each binned grouping with who binned it and when, when it
-- goes for good, and its groups with their members (valid now, direct) and how many people in all.
-- current_memberships leaves binned groups out, so the validity test comes from its own helper.
create or replace function private.course_bin(target_course uuid)
returns table (
  id uuid, name text, idnumber text, deleted_at timestamptz, deleted_by uuid, deleted_by_name text,
  purge_at timestamptz, member_count integer, groups jsonb
)
language plpgsql stable security definer set search_path = ''
as $$
begin
  if not (private.is_platform_admin() or target_course = any (private.managed_course_ids_array())) then
    raise exception 'No such course, or you may not manage it.' using errcode = '42501';
  end if;
  return query
  select gr.id, gr.name, gr.idnumber, gr.deleted_at, gr.deleted_by, u.display_name,
         gr.deleted_at + interval '30 days',
         (select count(distinct m.user_id)::int from public.group_members m
          join public.groups g on g.id = m.group_id
          where g.binned_with = gr.id and private.membership_was_current(m.valid_from, m.valid_until)),
         coalesce((
           select jsonb_agg(jsonb_build_object('id', g.id, 'name', g.name, 'memberCount', (
             select count(*)::int from public.group_members m
             where m.group_id = g.id and private.membership_was_current(m.valid_from, m.valid_until)
           )) order by g.name collate public.natural, g.id)
           from public.groups g where g.binned_with = gr.id
         ), '[]'::jsonb)
  from public.groupings gr
  left join public.users u on u.id = gr.deleted_by
  where gr.course_id = target_course and gr.deleted_at is not null
  order by gr.deleted_at desc, gr.id;
end
$$;
revoke all on function private.course_bin(target_course uuid) from public, anon, authenticated, service_role;
grant execute on function private.course_bin(target_course uuid) to authenticated, service_role;

-- Restores a binned grouping of the course with its groups and their memberships, under a new
-- name if given. Refused (23505, hint name_taken) while a live grouping of the course has the
-- name; an exclusive grouping is checked again (someone may have joined two of its groups from
-- a set that stayed live). Links' people who joined while a target group was binned are put in
-- it now.
create or replace function private.restore_grouping(target_course uuid, target uuid, new_name text default null)
returns table (name text, group_count integer, member_count integer)
language plpgsql volatile security definer set search_path = ''
as $$
declare
  course uuid := private.bin_managed_course(target, true);
  chosen text;
  members integer;
  previous_via text := current_setting('tessera.via', true);
begin
  if course <> target_course then
    raise exception 'No such grouping, or you may not manage it.' using errcode = '42501';
  end if;
  perform private.lock_course_groupings(course, true);
  select coalesce(nullif(btrim(new_name), ''), gr.name) into chosen from public.groupings gr where gr.id = target;
  if exists (
    select 1 from public.groupings gr
    where gr.course_id = course and gr.deleted_at is null and lower(btrim(gr.name)) = lower(btrim(chosen))
  ) then
    raise exception 'A set named "%" already exists in this course: restore it under another name.', chosen
      using errcode = '23505', hint = 'name_taken';
  end if;
  update public.groupings set deleted_at = null, deleted_by = null, name = chosen where id = target;
  update public.groups set deleted_at = null, binned_with = null where binned_with = target;
  if (select gr.exclusive from public.groupings gr where gr.id = target) then
    perform private.groupings_check_exclusive(target);
  end if;
  perform set_config('tessera.via', 'link', true);
  insert into public.group_members (group_id, user_id, role, source)
  select distinct l.target_group_id, lm.user_id, 'member', 'sync'
  from public.course_group_links l join public.course_link_members lm on lm.link_id = l.id
  where l.target_group_id in (select g.id from public.groups g where g.course_id = course and g.deleted_at is null)
    and l.course_id = course
  on conflict (group_id, user_id) do nothing;
  perform set_config('tessera.via', coalesce(previous_via, ''), true);
  select count(distinct m.user_id)::int into members from public.current_memberships m
  join public.grouping_groups gg on gg.group_id = m.group_id and gg.grouping_id = target;
  perform pg_notify('tessera_membership', json_build_object('all', true)::text);
  return query select chosen,
    (select count(*)::int from public.grouping_groups gg join public.groups g on g.id = gg.group_id
     where gg.grouping_id = target and g.deleted_at is null),
    members;
end
$$;
revoke all on function private.restore_grouping(target_course uuid, target uuid, new_name text) from public, anon, authenticated, service_role;
grant execute on function private.restore_grouping(target_course uuid, target uuid, new_name text) to authenticated, service_role;

-- Deletes a binned grouping of the course and its binned groups for good ("Delete now").
create or replace function private.purge_grouping(target_course uuid, target uuid) returns integer
language plpgsql volatile security definer set search_path = ''
as $$
declare
  course uuid := private.bin_managed_course(target, true);
  gone integer;
begin
  if course <> target_course then
    raise exception 'No such grouping, or you may not manage it.' using errcode = '42501';
  end if;
  with deleted as (delete from public.groups where binned_with = target returning 1)
  select count(*)::int into gone from deleted;
  delete from public.groupings where id = target;
  return gone;
end
$$;
revoke all on function private.purge_grouping(target_course uuid, target uuid) from public, anon, authenticated, service_role;
grant execute on function private.purge_grouping(target_course uuid, target uuid) to authenticated, service_role;

-- The daily purge (system work): bins older than the given age, groups and groupings alike.
create or replace function private.purge_expired_bins(older_than interval default interval '30 days')
returns integer
language plpgsql volatile security definer set search_path = ''
as $$
declare
  gone integer;
begin
  delete from public.groups where deleted_at < now() - older_than;
  with deleted as (delete from public.groupings where deleted_at < now() - older_than returning 1)
  select count(*)::int into gone from deleted;
  return gone;
end
$$;
revoke all on function private.purge_expired_bins(older_than interval) from public, anon, authenticated, service_role;
grant execute on function private.purge_expired_bins(older_than interval) to service_role;

-- Triggers ----------------------------------------------------------------------------------------

create trigger group_members_enforce_grouping_limit after insert on public.group_members
  referencing new table as new_rows for each statement execute function private.group_members_grouping_limit_inserted();

create trigger grouping_groups_after_insert after insert on public.grouping_groups
  referencing new table as new_rows for each statement execute function private.grouping_groups_after_insert();

create trigger grouping_groups_before_insert before insert on public.grouping_groups
  for each row execute function private.grouping_groups_before_insert();

create trigger groupings_after_write after insert or update of exclusive, auto_leader on public.groupings
  for each row execute function private.groupings_after_write();

create trigger groupings_touch before update on public.groupings
  for each row execute function private.groupings_touch();

-- Policies ----------------------------------------------------------------------------------------

-- Policies --------------------------------------------------------------------------------------
create policy "course participants see the course's groupings"
  on public.groupings for select to authenticated
  using (
    deleted_at is null and (
      (select private.is_platform_admin())
      or course_id in (select private.visible_course_ids())
    )
  );

create policy "course managers create groupings"
  on public.groupings for insert to authenticated
  with check (
    deleted_at is null and deleted_by is null
    and ((select private.is_platform_admin()) or course_id in (select private.managed_course_ids()))
  );

create policy "course managers edit groupings"
  on public.groupings for update to authenticated
  using ((select private.is_platform_admin()) or course_id in (select private.managed_course_ids()))
  with check ((select private.is_platform_admin()) or course_id in (select private.managed_course_ids()));

create policy "course managers delete groupings"
  on public.groupings for delete to authenticated
  using ((select private.is_platform_admin()) or course_id in (select private.managed_course_ids()));

create policy "people see which visible groups a grouping holds"
  on public.grouping_groups for select to authenticated
  using (
    -- Through the groupings' policy: a binned grouping holds nothing anyone sees.
    grouping_id in (select id from public.groupings)
    and (
      (select private.is_platform_admin())
      or group_id in (select private.visible_group_ids())
      or group_id in (select private.signup_listed_group_ids())
    )
  );

create policy "course managers put groups in groupings"
  on public.grouping_groups for insert to authenticated
  with check (
    (select private.is_platform_admin())
    or grouping_id in (
      select gr.id from public.groupings gr where gr.course_id in (select private.managed_course_ids())
    )
  );

create policy "course managers take groups out of groupings"
  on public.grouping_groups for delete to authenticated
  using (
    (select private.is_platform_admin())
    or grouping_id in (
      select gr.id from public.groupings gr where gr.course_id in (select private.managed_course_ids())
    )
  );

create policy "course managers see the assign runs of their courses' groupings"
  on public.grouping_assign_runs for select to authenticated
  using (
    (select private.is_platform_admin())
    or grouping_id in (
      select gr.id from public.groupings gr where gr.course_id in (select private.managed_course_ids())
    )
  );

create policy "course managers queue assign runs as themselves"
  on public.grouping_assign_runs for insert to authenticated
  with check (
    requested_by = (select auth.uid())
    and status = 'queued' and processed = 0 and assigned = 0 and left_over = '[]'::jsonb
    and error is null and finished_at is null
    and (
      (select private.is_platform_admin())
      or grouping_id in (
        select gr.id from public.groupings gr where gr.course_id in (select private.managed_course_ids())
      )
    )
  );

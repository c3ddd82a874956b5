-- Course links: a group (often an organisation cohort, sub-groups included) assigned to a
-- course with a course role and an optional target course group. Membership changes keep the
-- course's enrolments in step in the same transaction (course_link_members records which link
-- brought whom); the sweep catches memberships that start or end by the clock.

-- Triggers, in firing order (before statement, before row, after row, after statement; by name
-- within each; deferred constraint triggers at commit):
--   public.course_group_links:
--     course_group_links_before_delete: before delete, each row
--     course_group_links_after_insert: after insert, each row
--     course_group_links_after_update: after update, each row
--     course_group_links_audit: after insert or update or delete, each row [12_audit.sql]
--   public.course_link_members: none

set check_function_bodies = off;

-- Cohorts assigned to courses: a group (usually an organisation cohort, sub-groups included)
-- linked to a course with a course role and, optionally, a course group to place its members in.
-- Membership changes keep enrolments in step inside the same transaction, set-based; an expired
-- membership is caught by a sweep (private.sync_due_memberships) that the app runs every few
-- seconds.
create table public.course_group_links (
  id uuid primary key default gen_random_uuid(),
  course_id uuid not null references public.courses (id) on delete cascade,
  group_id uuid not null references public.groups (id) on delete cascade,
  course_role text not null default 'learner' check (course_role in ('learner', 'assistant', 'instructor')),
  target_group_id uuid references public.groups (id) on delete set null,
  -- What happens to an enrolment when its person leaves the cohort: suspend keeps everything.
  removal_policy text not null default 'suspend' check (removal_policy in ('suspend', 'unenrol')),
  created_by uuid references public.users (id) on delete set null,
  created_at timestamptz not null default now(),
  unique (course_id, group_id)
);
create index course_group_links_group_idx on public.course_group_links (group_id);
create index course_group_links_target_idx on public.course_group_links (target_group_id);
alter table public.course_group_links enable row level security;
alter table public.course_group_links force row level security;
revoke all on table public.course_group_links from anon, authenticated, service_role;
grant insert, select, delete on table public.course_group_links to anon;
grant insert, select, delete on table public.course_group_links to authenticated;
grant insert, select, update, delete on table public.course_group_links to service_role;
grant update (course_role, target_group_id, removal_policy) on table public.course_group_links to anon;
grant update (course_role, target_group_id, removal_policy) on table public.course_group_links to authenticated;

-- Who each link currently enrols: the desired state, so unlinking and removals touch only what
-- a link brought and never a hand enrolment or another link's.
create table public.course_link_members (
  link_id uuid not null references public.course_group_links (id) on delete cascade,
  user_id uuid not null references public.users (id) on delete cascade,
  course_id uuid not null references public.courses (id) on delete cascade,
  primary key (link_id, user_id)
);
create index course_link_members_course_user_idx on public.course_link_members (course_id, user_id);
create index course_link_members_user_idx on public.course_link_members (user_id);
alter table public.course_link_members enable row level security;
alter table public.course_link_members force row level security;
revoke all on table public.course_link_members from anon, authenticated, service_role;
grant insert, select, update, delete on table public.course_link_members to anon;
grant insert, select, update, delete on table public.course_link_members to authenticated;
grant insert, select, update, delete on table public.course_link_members to service_role;

-- Functions ---------------------------------------------------------------------------------------

-- Initial sync of a new link, and unlinking: the link's people follow its removal policy.
create or replace function private.course_links_after_insert() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  perform private.sync_course_links(array[new.id], null);
  return null;
end
$$;
revoke all on function private.course_links_after_insert() from public, anon, authenticated, service_role;

-- Editing a link changes what it already did, not only what it does next: a new target course
-- group takes the link's people (and the old one loses those only this link put there), and a
-- new course role applies to the enrolments only this link brought.
create or replace function private.course_links_after_update() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  previous_via text := current_setting('tessera.via', true);
begin
  perform set_config('tessera.via', 'link', true);
  if old.target_group_id is distinct from new.target_group_id then
    if old.target_group_id is not null then
      delete from public.group_members gm
      using public.course_link_members lm
      where lm.link_id = new.id and gm.group_id = old.target_group_id and gm.user_id = lm.user_id
        and gm.source = 'sync'
        and not exists (
          select 1 from public.course_link_members o join public.course_group_links other on other.id = o.link_id
          where o.user_id = gm.user_id and other.target_group_id = old.target_group_id and other.id <> new.id
        );
    end if;
    if new.target_group_id is not null then
      insert into public.group_members (group_id, user_id, role, source)
      select new.target_group_id, lm.user_id, 'member', 'sync'
      from public.course_link_members lm where lm.link_id = new.id
      on conflict (group_id, user_id) do nothing;
    end if;
  end if;
  if old.course_role is distinct from new.course_role then
    update public.enrolments e set role = new.course_role
    from public.course_link_members lm
    where lm.link_id = new.id and e.course_id = new.course_id and e.user_id = lm.user_id
      and e.source = 'link' and e.role <> new.course_role
      and not exists (
        select 1 from public.course_link_members o
        where o.course_id = new.course_id and o.user_id = lm.user_id and o.link_id <> new.id
      );
  end if;
  perform set_config('tessera.via', coalesce(previous_via, ''), true);
  return null;
end
$$;
revoke all on function private.course_links_after_update() from public, anon, authenticated, service_role;

create or replace function private.course_links_before_delete() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  perform private.unlink_course_link(old.id);
  return old;
end
$$;
revoke all on function private.course_links_before_delete() from public, anon, authenticated, service_role;

create or replace function private.group_members_sync_links() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  links uuid[];
  people uuid[];
begin
  if tg_op = 'INSERT' then
    select private.links_over_groups(array_agg(distinct group_id)), array_agg(distinct user_id) into links, people from new_rows;
  elsif tg_op = 'DELETE' then
    select private.links_over_groups(array_agg(distinct group_id)), array_agg(distinct user_id) into links, people from old_rows;
  else
    select private.links_over_groups(array_agg(distinct group_id)), array_agg(distinct user_id) into links, people
    from (select group_id, user_id from new_rows union select group_id, user_id from old_rows) changed;
  end if;
  perform private.sync_course_links(links, people);
  return null;
end
$$;
revoke all on function private.group_members_sync_links() from public, anon, authenticated, service_role;

-- A subtree moving in or out under a linked group changes who the link enrols. A move is
-- undone by moving back, so it takes away only what moving back gives again (see the sync).
create or replace function private.groups_moved_sync_links() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  links uuid[];
  previous text := current_setting('tessera.group_move', true);
begin
  select coalesce(array_agg(distinct l.id), '{}') into links
  from public.course_group_links l
  where l.group_id in (
    select c.ancestor_id
    from new_rows n join old_rows o on o.id = n.id join public.group_closure c on c.descendant_id = n.id
    where n.parent_id is distinct from o.parent_id
    union
    select c.ancestor_id
    from new_rows n join old_rows o on o.id = n.id join public.group_closure c on c.descendant_id = o.parent_id
    where n.parent_id is distinct from o.parent_id
  );
  perform set_config('tessera.group_move', 'on', true);
  perform private.sync_course_links(links, null);
  perform set_config('tessera.group_move', coalesce(previous, ''), true);
  return null;
end
$$;
revoke all on function private.groups_moved_sync_links() from public, anon, authenticated, service_role;

-- Links affected by a change to these groups: every link on the groups or their ancestors.
create or replace function private.links_over_groups(group_ids uuid[]) returns uuid[]
language sql stable security definer set search_path = ''
as $$
  select coalesce(array_agg(distinct l.id), '{}')
  from public.group_closure c join public.course_group_links l on l.group_id = c.ancestor_id
  where c.descendant_id = any(group_ids)
$$;
revoke all on function private.links_over_groups(group_ids uuid[]) from public, anon, authenticated, service_role;

-- Group performance, from the hier-member and cohort-sync benchmarks (bench/groups.js).
--
-- Re-syncing a course link with nothing to change (cohorts.resyncCourse, the sweep, every
-- membership change on a large cohort) read the cohort's effective membership twice and sent
-- all of it through INSERT … ON CONFLICT DO NOTHING: about 0.5 s for a 50,000-person cohort.
-- private.sync_course_links now works out the difference once, with a full join of who should
-- be linked and who is, writes only that difference, and returns early when it is empty. What
-- it does with the difference (enrolments, their removal policy, course groups) is unchanged.
create or replace function private.sync_course_links(link_ids uuid[], user_ids uuid[] default null)
returns void
language plpgsql security definer set search_path = ''
as $$
declare
  removed_links uuid[];
  removed_users uuid[];
  removed_courses uuid[];
  added_links uuid[];
  added_users uuid[];
  added_courses uuid[];
  previous_via text := current_setting('tessera.via', true);
begin
  if coalesce(array_length(link_ids, 1), 0) = 0 then
    return;
  end if;
  perform set_config('tessera.via', 'link', true);

  -- Who the links should enrol against who they do, in one pass: the two sets meet in a full
  -- join and only the rows found on one side are kept (desired is not made distinct first: a
  -- person in two sub-groups matches the same current row twice, and only the few additions
  -- are de-duplicated). The earlier version computed desired twice, deleted with an anti-join
  -- and then sent every desired row to INSERT … ON CONFLICT DO NOTHING, so a re-sync with
  -- nothing to change still probed the primary key once per linked person.
  with desired as (
    select l.id as link_id, m.user_id, l.course_id
    from public.course_group_links l
    join public.group_closure c on c.ancestor_id = l.group_id
    join public.current_memberships m on m.group_id = c.descendant_id
    where l.id = any(link_ids)
      and (user_ids is null or m.user_id = any(user_ids))
  ), linked as (
    select lm.link_id, lm.user_id, lm.course_id
    from public.course_link_members lm
    where lm.link_id = any(link_ids)
      and (user_ids is null or lm.user_id = any(user_ids))
  ), changed as (
    select distinct coalesce(d.link_id, k.link_id) as link_id, coalesce(d.user_id, k.user_id) as user_id,
           coalesce(d.course_id, k.course_id) as course_id, d.link_id is not null as joining
    from desired d full join linked k on k.link_id = d.link_id and k.user_id = d.user_id
    where d.link_id is null or k.link_id is null
  )
  select coalesce(array_agg(link_id) filter (where not joining), '{}'),
         coalesce(array_agg(user_id) filter (where not joining), '{}'),
         coalesce(array_agg(course_id) filter (where not joining), '{}'),
         coalesce(array_agg(link_id) filter (where joining), '{}'),
         coalesce(array_agg(user_id) filter (where joining), '{}'),
         coalesce(array_agg(course_id) filter (where joining), '{}')
  into removed_links, removed_users, removed_courses, added_links, added_users, added_courses
  from changed;

  if cardinality(removed_links) = 0 and cardinality(added_links) = 0 then
    perform set_config('tessera.via', coalesce(previous_via, ''), true);
    return;
  end if;

  -- What this call changed: the rows it deleted and the rows it inserted (a
  -- concurrent sync may have written some of them first).
  with removed as (
    delete from public.course_link_members lm
    using unnest(removed_links, removed_users) as r(link_id, user_id)
    where lm.link_id = r.link_id and lm.user_id = r.user_id
    returning lm.link_id, lm.user_id, lm.course_id
  )
  select coalesce(array_agg(link_id), '{}'), coalesce(array_agg(user_id), '{}'), coalesce(array_agg(course_id), '{}')
  into removed_links, removed_users, removed_courses
  from removed;

  with added as (
    insert into public.course_link_members (link_id, user_id, course_id)
    select link_id, user_id, course_id from unnest(added_links, added_users, added_courses) as a(link_id, user_id, course_id)
    on conflict do nothing
    returning link_id, user_id, course_id
  )
  select coalesce(array_agg(link_id), '{}'), coalesce(array_agg(user_id), '{}'), coalesce(array_agg(course_id), '{}')
  into added_links, added_users, added_courses
  from added;

  -- Enrol the newcomers; reactivate link enrolments suspended by an earlier removal.
  insert into public.enrolments (course_id, user_id, role, status, source)
  select distinct on (a.course_id, a.user_id) a.course_id, a.user_id, l.course_role, 'active', 'link'
  from unnest(added_links, added_users, added_courses) as a(link_id, user_id, course_id)
  join public.course_group_links l on l.id = a.link_id
  order by a.course_id, a.user_id, l.created_at
  on conflict (course_id, user_id) do update set status = 'active'
  where public.enrolments.source = 'link' and public.enrolments.status = 'suspended';

  -- Leavers whom no other link still enrols, and who were not enrolled by hand. A group move
  -- removes the link enrolments of people who have done nothing in the course (no completion,
  -- score or event) rather than suspending them, so moving the group back leaves nobody with
  -- an enrolment they did not have before; anyone with work in the course is suspended as usual.
  if current_setting('tessera.group_move', true) = 'on' then
    delete from public.enrolments e
    using unnest(removed_links, removed_users, removed_courses) as r(link_id, user_id, course_id)
    where e.course_id = r.course_id and e.user_id = r.user_id and e.source = 'link'
      and not exists (select 1 from public.course_link_members lm where lm.course_id = r.course_id and lm.user_id = r.user_id)
      and not exists (select 1 from public.completions c where c.course_id = r.course_id and c.user_id = r.user_id)
      and not exists (select 1 from public.learner_events le where le.course_id = r.course_id and le.user_id = r.user_id);
  end if;
  delete from public.enrolments e
  using unnest(removed_links, removed_users, removed_courses) as r(link_id, user_id, course_id)
  join public.course_group_links l on l.id = r.link_id
  where e.course_id = r.course_id and e.user_id = r.user_id and e.source = 'link'
    and l.removal_policy = 'unenrol'
    and not exists (select 1 from public.course_link_members lm where lm.course_id = r.course_id and lm.user_id = r.user_id);
  update public.enrolments e set status = 'suspended'
  from unnest(removed_links, removed_users, removed_courses) as r(link_id, user_id, course_id)
  join public.course_group_links l on l.id = r.link_id
  where e.course_id = r.course_id and e.user_id = r.user_id and e.source = 'link'
    and l.removal_policy = 'suspend' and e.status <> 'suspended'
    and not exists (select 1 from public.course_link_members lm where lm.course_id = r.course_id and lm.user_id = r.user_id);

  -- Course groups the links place people in (a binned target group is left unfilled; restoring
  -- it fills it: private.restore_grouping). Leavers go from it even while it is binned.
  delete from public.group_members gm
  using unnest(removed_links, removed_users) as r(link_id, user_id)
  join public.course_group_links l on l.id = r.link_id
  where gm.group_id = l.target_group_id and gm.user_id = r.user_id and gm.source = 'sync'
    and not exists (
      select 1 from public.course_link_members lm join public.course_group_links other on other.id = lm.link_id
      where lm.user_id = r.user_id and other.target_group_id = l.target_group_id
    );
  insert into public.group_members (group_id, user_id, role, source)
  select distinct l.target_group_id, a.user_id, 'member', 'sync'
  from unnest(added_links, added_users) as a(link_id, user_id)
  join public.course_group_links l on l.id = a.link_id
  join public.groups tg on tg.id = l.target_group_id and tg.deleted_at is null
  on conflict (group_id, user_id) do nothing;

  perform set_config('tessera.via', coalesce(previous_via, ''), true);
end
$$;
revoke all on function private.sync_course_links(link_ids uuid[], user_ids uuid[]) from public, anon, authenticated, service_role;
grant execute on function private.sync_course_links(link_ids uuid[], user_ids uuid[]) to service_role;

-- Memberships that start or end by the clock change facts without a write: the membership sweep
-- (every few seconds) records them as it syncs course links.
create or replace function private.sync_due_memberships() returns integer
language plpgsql security definer set search_path = ''
as $$
declare
  since timestamptz;
  links uuid[];
  people uuid[];
  groups uuid[];
begin
  select swept_until into since from public.membership_sweeps for update;
  select private.links_over_groups(array_agg(distinct group_id)), array_agg(distinct user_id),
         array_agg(distinct group_id)
    into links, people, groups
  from public.group_members
  where (valid_until > since and valid_until <= now()) or (valid_from > since and valid_from <= now());
  update public.membership_sweeps set swept_until = now();
  perform private.sync_course_links(links, people);
  perform private.record_group_facts(groups);
  return coalesce(array_length(people, 1), 0);
end
$$;
revoke all on function private.sync_due_memberships() from public, anon, authenticated, service_role;
grant execute on function private.sync_due_memberships() to service_role;

-- Unlinking: the link's people follow its removal policy, unless another link or a hand
-- enrolment keeps them.
create or replace function private.unlink_course_link(target uuid) returns void
language plpgsql security definer set search_path = ''
as $$
declare
  link public.course_group_links;
  people uuid[];
  previous_via text := current_setting('tessera.via', true);
begin
  select * into link from public.course_group_links where id = target;
  perform set_config('tessera.via', 'link', true);
  with removed as (
    delete from public.course_link_members where link_id = target returning user_id
  )
  select coalesce(array_agg(user_id), '{}') into people from removed;
  if link.removal_policy = 'unenrol' then
    delete from public.enrolments e
    where e.course_id = link.course_id and e.user_id = any(people) and e.source = 'link'
      and not exists (select 1 from public.course_link_members lm where lm.course_id = link.course_id and lm.user_id = e.user_id);
  else
    update public.enrolments e set status = 'suspended'
    where e.course_id = link.course_id and e.user_id = any(people) and e.source = 'link' and e.status <> 'suspended'
      and not exists (select 1 from public.course_link_members lm where lm.course_id = link.course_id and lm.user_id = e.user_id);
  end if;
  if link.target_group_id is not null then
    delete from public.group_members gm
    where gm.group_id = link.target_group_id and gm.user_id = any(people) and gm.source = 'sync'
      and not exists (
        select 1 from public.course_link_members lm join public.course_group_links other on other.id = lm.link_id
        where lm.user_id = gm.user_id and other.target_group_id = link.target_group_id and other.id <> target
      );
  end if;
  perform set_config('tessera.via', coalesce(previous_via, ''), true);
end
$$;
revoke all on function private.unlink_course_link(target uuid) from public, anon, authenticated, service_role;

-- Which of these groups the current user may link to this course: course managers (and
-- platform admins) link groups of the course's organisation or the platform whose member list
-- they may read, never the course's own groups. The insert policy and the link form both ask it.
-- Not granted to anon: it answers signed-in course managers only, and no policy of anon calls it.
create or replace function public.may_link_to_course(target_course uuid, ids uuid[]) returns uuid[]
language plpgsql stable security invoker set search_path = ''
as $$
begin
  if auth.uid() is null then
    return '{}';
  end if;
  if not private.is_platform_admin()
     and target_course not in (select private.managed_course_ids()) then
    return '{}';
  end if;
  return array(
    select g.id from public.groups g join public.courses c on c.id = target_course
    where g.id = any (ids)
      and (g.scope = 'platform' or g.organisation_id = c.organisation_id)
      and g.course_id is distinct from target_course
      and (private.is_platform_admin() or g.id in (select private.member_list_group_ids()))
  );
end
$$;
revoke all on function public.may_link_to_course(target_course uuid, ids uuid[]) from public, anon, authenticated, service_role;
grant execute on function public.may_link_to_course(target_course uuid, ids uuid[]) to authenticated, service_role;

-- Triggers ----------------------------------------------------------------------------------------

create trigger course_group_links_after_insert after insert on public.course_group_links
  for each row execute function private.course_links_after_insert();

create trigger course_group_links_after_update after update of target_group_id, course_role on public.course_group_links
  for each row when (old.target_group_id is distinct from new.target_group_id or old.course_role is distinct from new.course_role)
  execute function private.course_links_after_update();

create trigger course_group_links_before_delete before delete on public.course_group_links
  for each row execute function private.course_links_before_delete();

create trigger group_members_sync_links_delete after delete on public.group_members
  referencing old table as old_rows for each statement execute function private.group_members_sync_links();

create trigger group_members_sync_links_insert after insert on public.group_members
  referencing new table as new_rows for each statement execute function private.group_members_sync_links();

create trigger group_members_sync_links_update after update on public.group_members
  referencing new table as new_rows old table as old_rows
  for each statement execute function private.group_members_sync_links();

create trigger groups_moved_sync_links after update on public.groups
  referencing new table as new_rows old table as old_rows
  for each statement execute function private.groups_moved_sync_links();

-- Policies ----------------------------------------------------------------------------------------

-- Policies --------------------------------------------------------------------------------------
create policy "course staff see the course's cohort links"
  on public.course_group_links for select to authenticated
  using ((select private.is_platform_admin()) or course_id in (select private.staffed_course_ids()));

create policy "course managers unlink groups"
  on public.course_group_links for delete to authenticated
  using ((select private.is_platform_admin()) or course_id in (select private.managed_course_ids()));

create policy "course staff see who each link enrols"
  on public.course_link_members for select to authenticated
  using ((select private.is_platform_admin()) or course_id in (select private.staffed_course_ids()));

-- A link places people only in a group of its own course, whoever makes it: the trigger that
-- follows a new target writes memberships as the system.
create policy "course managers link groups they can see"
  on public.course_group_links for insert to authenticated
  with check (
    (
      (select private.is_platform_admin())
      or group_id = any (public.may_link_to_course(course_id, array[group_id]))
    )
    and (
      target_group_id is null
      or target_group_id in (
        select g.id from public.groups g
        where g.course_id = course_group_links.course_id
          and ((select private.is_platform_admin()) or g.id in (select private.managed_group_ids()))
      )
    )
  );

create policy "course managers change cohort links"
  on public.course_group_links for update to authenticated
  using ((select private.is_platform_admin()) or course_id in (select private.managed_course_ids()))
  with check (
    ((select private.is_platform_admin()) or course_id in (select private.managed_course_ids()))
    and (
      target_group_id is null
      or target_group_id in (
        select g.id from public.groups g
        where g.course_id = course_group_links.course_id
          and ((select private.is_platform_admin()) or g.id in (select private.managed_group_ids()))
      )
    )
  );

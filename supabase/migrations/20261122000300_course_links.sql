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

-- When the sweep last looked for memberships that started or ended by the clock.
create table public.membership_sweeps (
  id boolean primary key default true check (id),
  swept_until timestamptz not null
);
insert into public.membership_sweeps (swept_until) values (now());
alter table public.membership_sweeps enable row level security;
alter table public.membership_sweeps force row level security;
revoke all on public.membership_sweeps from anon, authenticated;

-- The audit log's "how" can be set by the system for the changes it derives ('link').
create or replace function private.audit_via() returns text
language sql stable security definer set search_path = ''
as $$
  select coalesce(
    nullif(current_setting('tessera.via', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'via',
    'system'
  )
$$;

create or replace function private.audit_row_change() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  row_new jsonb := case when tg_op = 'DELETE' then null else to_jsonb(new) end;
  row_old jsonb := case when tg_op = 'INSERT' then null else to_jsonb(old) end;
  subject jsonb := coalesce(row_new, row_old);
  org uuid;
  course uuid;
begin
  if tg_op = 'UPDATE' and row_new = row_old then
    return null;
  end if;
  if tg_table_name in ('enrolments', 'course_group_links') then
    course := (subject ->> 'course_id')::uuid;
    select c.organisation_id into org from public.courses c where c.id = course;
  elsif tg_table_name = 'organisation_members' then
    org := (subject ->> 'organisation_id')::uuid;
  end if;
  insert into public.audit_events (actor_id, action, organisation_id, course_id, group_id, subject_user_id, via, data)
  values (
    (select auth.uid()),
    tg_table_name || '.' || lower(tg_op),
    org,
    course,
    case when tg_table_name = 'course_group_links' then (subject ->> 'group_id')::uuid end,
    (subject ->> 'user_id')::uuid,
    private.audit_via(),
    jsonb_build_object('old', row_old, 'new', row_new)
  );
  return null;
end
$$;

create trigger course_group_links_audit after insert or update or delete on public.course_group_links
  for each row execute function private.audit_row_change();

-- A hand enrolment of someone a link enrolled turns it into a hand enrolment (source 'manual'),
-- so unlinking leaves it alone.
alter table public.enrolments add constraint enrolments_source_check check (source in ('manual', 'link'));
grant update (source) on public.enrolments to authenticated;

-- Sync ------------------------------------------------------------------------------------------

-- Brings the links in `link_ids` in step with their groups' effective membership, for the people
-- in `user_ids` (or everyone when null). Set-based: one statement per step whatever the size.
-- The changes are kept in arrays, not temporary tables, because the writes below fire this
-- function again (a course group can itself be linked) and must not clobber this call's state.
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

  with desired as (
    select distinct l.id as link_id, m.user_id
    from public.course_group_links l
    join public.group_closure c on c.ancestor_id = l.group_id
    join public.group_members m on m.group_id = c.descendant_id
    where l.id = any(link_ids)
      and m.valid_from <= now() and m.valid_until > now()
      and (user_ids is null or m.user_id = any(user_ids))
  ), removed as (
    delete from public.course_link_members lm
    where lm.link_id = any(link_ids)
      and (user_ids is null or lm.user_id = any(user_ids))
      and not exists (select 1 from desired d where d.link_id = lm.link_id and d.user_id = lm.user_id)
    returning lm.link_id, lm.user_id, lm.course_id
  )
  select coalesce(array_agg(link_id), '{}'), coalesce(array_agg(user_id), '{}'), coalesce(array_agg(course_id), '{}')
  into removed_links, removed_users, removed_courses
  from removed;

  with desired as (
    select distinct l.id as link_id, m.user_id, l.course_id
    from public.course_group_links l
    join public.group_closure c on c.ancestor_id = l.group_id
    join public.group_members m on m.group_id = c.descendant_id
    where l.id = any(link_ids)
      and m.valid_from <= now() and m.valid_until > now()
      and (user_ids is null or m.user_id = any(user_ids))
  ), added as (
    insert into public.course_link_members (link_id, user_id, course_id)
    select link_id, user_id, course_id from desired
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

  -- Leavers whom no other link still enrols, and who were not enrolled by hand.
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

  -- Course groups the links place people in.
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
  where l.target_group_id is not null
  on conflict (group_id, user_id) do nothing;

  perform set_config('tessera.via', coalesce(previous_via, ''), true);
end
$$;

-- Links affected by a change to these groups: every link on the groups or their ancestors.
create or replace function private.links_over_groups(group_ids uuid[]) returns uuid[]
language sql stable security definer set search_path = ''
as $$
  select coalesce(array_agg(distinct l.id), '{}')
  from public.group_closure c join public.course_group_links l on l.group_id = c.ancestor_id
  where c.descendant_id = any(group_ids)
$$;

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
create trigger group_members_sync_links_insert after insert on public.group_members
  referencing new table as new_rows for each statement execute function private.group_members_sync_links();
create trigger group_members_sync_links_delete after delete on public.group_members
  referencing old table as old_rows for each statement execute function private.group_members_sync_links();
create trigger group_members_sync_links_update after update on public.group_members
  referencing new table as new_rows old table as old_rows
  for each statement execute function private.group_members_sync_links();

-- A subtree moving in or out under a linked group changes who the link enrols.
create or replace function private.groups_moved_sync_links() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  links uuid[];
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
  perform private.sync_course_links(links, null);
  return null;
end
$$;
create trigger groups_moved_sync_links after update on public.groups
  referencing new table as new_rows old table as old_rows
  for each statement execute function private.groups_moved_sync_links();

-- Memberships that started or ended by the clock since the last sweep.
create or replace function private.sync_due_memberships() returns integer
language plpgsql security definer set search_path = ''
as $$
declare
  since timestamptz;
  links uuid[];
  people uuid[];
begin
  select swept_until into since from public.membership_sweeps for update;
  select private.links_over_groups(array_agg(distinct group_id)), array_agg(distinct user_id) into links, people
  from public.group_members
  where (valid_until > since and valid_until <= now()) or (valid_from > since and valid_from <= now());
  update public.membership_sweeps set swept_until = now();
  perform private.sync_course_links(links, people);
  return coalesce(array_length(people, 1), 0);
end
$$;

-- Initial sync of a new link, and unlinking: the link's people follow its removal policy.
create or replace function private.course_links_after_insert() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  perform private.sync_course_links(array[new.id], null);
  return null;
end
$$;
create trigger course_group_links_after_insert after insert on public.course_group_links
  for each row execute function private.course_links_after_insert();

create or replace function private.course_links_before_delete() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  perform private.unlink_course_link(old.id);
  return old;
end
$$;

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
create trigger course_group_links_before_delete before delete on public.course_group_links
  for each row execute function private.course_links_before_delete();

-- Group audit rows say 'link' for what the sync derives.
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
    private.audit_via(),
    jsonb_build_object('old', row_old, 'new', row_new)
  );
  return null;
end
$$;

revoke all on all functions in schema private from public;
grant execute on all functions in schema private to anon, authenticated, service_role;

-- Policies --------------------------------------------------------------------------------------

create policy "course staff see the course's cohort links"
  on public.course_group_links for select to authenticated
  using ((select private.is_platform_admin()) or course_id in (select private.staffed_course_ids()));
create policy "course managers link groups they can see"
  on public.course_group_links for insert to authenticated
  with check (
    (select private.is_platform_admin())
    or (
      course_id in (select private.managed_course_ids())
      and group_id in (select private.visible_group_ids())
      and (target_group_id is null or target_group_id in (select private.managed_group_ids()))
    )
  );
create policy "course managers change cohort links"
  on public.course_group_links for update to authenticated
  using ((select private.is_platform_admin()) or course_id in (select private.managed_course_ids()))
  with check (
    (select private.is_platform_admin())
    or (
      course_id in (select private.managed_course_ids())
      and (target_group_id is null or target_group_id in (select private.managed_group_ids()))
    )
  );
create policy "course managers unlink groups"
  on public.course_group_links for delete to authenticated
  using ((select private.is_platform_admin()) or course_id in (select private.managed_course_ids()));

create policy "course staff see who each link enrols"
  on public.course_link_members for select to authenticated
  using ((select private.is_platform_admin()) or course_id in (select private.staffed_course_ids()));
-- No write policies: only the sync functions write here.

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
    join public.group_members m on m.group_id = c.descendant_id
    where l.id = any(link_ids)
      and m.valid_from <= now() and m.valid_until > now()
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

  -- What this call changed, as before: the rows it deleted and the rows it inserted (a
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

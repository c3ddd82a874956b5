-- Progress of every enrolment of some courses, as the system computes it for learner-group
-- criteria, and the course median that marks a learner "behind" on the leader dashboard.
--
-- Progress % = completed activities the learner can see / activities the learner can see. An
-- activity with restrictions counts only for the effective members (at the given time) of one
-- of its groups.

create or replace function private.course_progress(course_ids uuid[], at timestamptz default now())
returns table (course_id uuid, user_id uuid, visible integer, done integer)
language plpgsql stable security definer set search_path = ''
as $$
begin
  return query
    with acts as materialized (
      select a.id, a.course_id,
             exists (select 1 from private.activity_allowed_groups() r where r.activity_id = a.id) as restricted
      from public.activities a where a.course_id = any (course_ids)
    ),
    open_restricted as materialized (
      select distinct a.id as activity_id, a.course_id, m.user_id
      from acts a
      join private.activity_allowed_groups() r on r.activity_id = a.id
      join public.group_closure c on c.ancestor_id = r.group_id
      join public.group_members m on m.group_id = c.descendant_id
      where a.restricted and m.valid_from <= at and m.valid_until > at
    ),
    unrestricted_counts as (
      select a.course_id, count(*)::integer as n from acts a where not a.restricted group by a.course_id
    ),
    open_counts as (
      select o.course_id, o.user_id, count(*)::integer as n from open_restricted o group by o.course_id, o.user_id
    ),
    done_counts as (
      select cp.course_id, cp.user_id, count(*)::integer as n
      from public.completions cp join acts a on a.id = cp.activity_id
      where cp.course_id = any (course_ids) and cp.completed_at is not null
        and (not a.restricted
             or exists (select 1 from open_restricted o where o.activity_id = a.id and o.user_id = cp.user_id))
      group by cp.course_id, cp.user_id
    )
    select e.course_id, e.user_id,
           coalesce(u.n, 0) + coalesce(oc.n, 0),
           coalesce(d.n, 0)
    from public.enrolments e
    left join unrestricted_counts u on u.course_id = e.course_id
    left join open_counts oc on oc.course_id = e.course_id and oc.user_id = e.user_id
    left join done_counts d on d.course_id = e.course_id and d.user_id = e.user_id
    where e.course_id = any (course_ids);
end
$$;

-- The median progress (0–100) of each course's active learners, for the courses whose progress
-- the current user may follow (as staff, as a leader of some of its learners, or as platform
-- admin). A course with fewer than five active learners has no median here: with so few, a
-- median would tell a leader about people they do not lead.
create or replace function private.course_median_progress(course_ids uuid[])
returns table (course_id uuid, median numeric)
language plpgsql stable security definer set search_path = ''
as $$
declare
  everyone boolean := coalesce(current_setting('role', true), '') = 'service_role'
    or (coalesce(current_setting('role', true), 'none') = 'none'
        and exists (select 1 from pg_catalog.pg_roles where rolname = session_user and (rolsuper or rolbypassrls)))
    or private.is_platform_admin();
  allowed uuid[] := case when everyone then course_ids
    else array(
      select unnest(course_ids)
      intersect
      select unnest(private.staffed_course_ids_array() || private.followed_course_ids_array())
    ) end;
begin
  return query
    select p.course_id,
           round((percentile_cont(0.5) within group (
             order by case when p.visible = 0 then 0 else p.done * 100.0 / p.visible end))::numeric, 1)
    from private.course_progress(allowed) p
    join public.enrolments e on e.course_id = p.course_id and e.user_id = p.user_id
    where e.role = 'learner' and e.status = 'active'
    group by p.course_id
    having count(*) >= 5;
end
$$;

revoke all on all functions in schema private from public;
grant execute on all functions in schema private to anon, authenticated, service_role;
-- Everyone's progress, unfiltered: for the system (learner-group refreshes) only.
revoke execute on function private.course_progress(uuid[], timestamptz) from anon, authenticated;

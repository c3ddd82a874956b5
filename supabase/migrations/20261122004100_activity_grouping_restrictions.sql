-- An activity may be restricted to a grouping as well as to groups (issue 6, section 2): the
-- effective members of any group in the grouping may open it, and groups added to the grouping
-- later count at once (the grouping is resolved on every read, never copied).
--
-- A row names exactly one of group_id and grouping_id. Every policy and helper reads restrictions
-- through private.activity_allowed_groups(), which now expands groupings, so none of them changes.

alter table public.activity_restrictions drop constraint activity_restrictions_pkey;
alter table public.activity_restrictions alter column group_id drop not null;
alter table public.activity_restrictions
  add column grouping_id uuid references public.groupings (id) on delete cascade;
alter table public.activity_restrictions
  add constraint activity_restrictions_one_target check (num_nonnulls(group_id, grouping_id) = 1);
create unique index activity_restrictions_activity_group_key
  on public.activity_restrictions (activity_id, group_id) where group_id is not null;
create unique index activity_restrictions_activity_grouping_key
  on public.activity_restrictions (activity_id, grouping_id) where grouping_id is not null;
create index activity_restrictions_grouping_idx on public.activity_restrictions (grouping_id);

-- A restriction names a group or a grouping of the activity's own course.
create or replace function private.activity_restrictions_before_insert() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  select a.course_id into new.course_id from public.activities a where a.id = new.activity_id;
  if new.group_id is not null
     and not exists (select 1 from public.groups g where g.id = new.group_id and g.course_id = new.course_id) then
    raise exception 'Restrict an activity to groups of its own course.' using errcode = '23514';
  end if;
  if new.grouping_id is not null
     and not exists (select 1 from public.groupings gr where gr.id = new.grouping_id and gr.course_id = new.course_id) then
    raise exception 'Restrict an activity to groupings of its own course.' using errcode = '23514';
  end if;
  return new;
end
$$;

-- The groups whose effective members may open each restricted activity: the groups named, and the
-- groups of the groupings named. A grouping with no groups yields one row with a null group: the
-- activity stays restricted (staff only) rather than opening to everyone.
create or replace function private.activity_allowed_groups()
returns table (activity_id uuid, group_id uuid)
language sql stable security definer set search_path = ''
as $$
  select r.activity_id, r.group_id from public.activity_restrictions r where r.group_id is not null
  union
  select r.activity_id, gg.group_id from public.activity_restrictions r
  left join public.grouping_groups gg on gg.grouping_id = r.grouping_id
  where r.grouping_id is not null
$$;

revoke all on all functions in schema private from public;
grant execute on all functions in schema private to anon, authenticated, service_role;

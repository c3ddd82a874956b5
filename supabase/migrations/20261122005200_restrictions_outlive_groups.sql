-- Deleting a group or grouping that restricts an activity keeps the activity restricted.
--
-- Until now the restriction row went with the group (on delete cascade), which opened the
-- activity to everyone the moment the last group it was restricted to was deleted. Now the row
-- stays with no target ("restricted to a deleted group"): nobody but staff can open the activity
-- (as with a grouping that has no groups) until a course manager changes its restrictions, and
-- staff see why.

alter table public.activity_restrictions drop constraint activity_restrictions_one_target;
alter table public.activity_restrictions
  add constraint activity_restrictions_one_target check (num_nonnulls(group_id, grouping_id) <= 1);

alter table public.activity_restrictions drop constraint activity_restrictions_group_id_fkey;
alter table public.activity_restrictions
  add constraint activity_restrictions_group_id_fkey
  foreign key (group_id) references public.groups (id) on delete set null;
alter table public.activity_restrictions drop constraint activity_restrictions_grouping_id_fkey;
alter table public.activity_restrictions
  add constraint activity_restrictions_grouping_id_fkey
  foreign key (grouping_id) references public.groupings (id) on delete set null;

-- A new restriction still names exactly one group or grouping of the activity's own course.
create or replace function private.activity_restrictions_before_insert() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if num_nonnulls(new.group_id, new.grouping_id) <> 1 then
    raise exception 'Restrict an activity to a group or to a grouping.' using errcode = '23514';
  end if;
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

-- The groups whose effective members may open each restricted activity. A restriction whose
-- group or grouping was deleted, like a grouping with no groups, yields a row with a null group:
-- the activity stays restricted (staff only).
create or replace function private.activity_allowed_groups()
returns table (activity_id uuid, group_id uuid)
language sql stable security definer set search_path = ''
as $$
  select r.activity_id, r.group_id from public.activity_restrictions r where r.group_id is not null
  union
  select r.activity_id, gg.group_id from public.activity_restrictions r
  left join public.grouping_groups gg on gg.grouping_id = r.grouping_id
  where r.grouping_id is not null
  union
  select r.activity_id, null::uuid from public.activity_restrictions r
  where r.group_id is null and r.grouping_id is null
$$;

create index activity_restrictions_orphan_idx on public.activity_restrictions (activity_id)
  where group_id is null and grouping_id is null;

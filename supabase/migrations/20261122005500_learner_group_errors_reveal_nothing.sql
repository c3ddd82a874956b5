-- The learner-group checks on announcements and interventions run before row-level security,
-- so their clear errors must go only to those who may see the group: course staff (and platform
-- admins). Anyone else trying a raw insert with a group's id gets row-level security's own
-- refusal, whatever kind of group it is, and learns nothing (not even that it is a learner group).

create or replace function private.refuse_learner_group_write(message text, group_id uuid) returns void
language plpgsql stable security definer set search_path = ''
as $$
begin
  if private.is_platform_admin() or exists (
    select 1 from public.groups g
    where g.id = group_id and g.course_id = any (private.staffed_course_ids_array())
  ) then
    raise exception '%', message using errcode = '23514', hint = 'learner_group';
  end if;
  raise exception 'new row violates row-level security policy' using errcode = '42501';
end
$$;

create or replace function private.announcements_learner_group_check() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if exists (select 1 from public.groups g where g.id = new.group_id and g.kind = 'learner-group')
     and (new.published_at is null or new.include_subgroups) then
    perform private.refuse_learner_group_write(
      'Send a learner group a message from the learner group''s page.', new.group_id);
  end if;
  return new;
end
$$;

create or replace function private.interventions_before_insert() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  select g.course_id, g.name into new.course_id, new.group_name from public.groups g
  where g.id = new.group_id and g.kind = 'learner-group';
  if new.course_id is null then
    perform private.refuse_learner_group_write('Send interventions to a learner group.', new.group_id);
  end if;
  if new.announcement_id is not null and not exists (
    select 1 from public.announcements a
    where a.id = new.announcement_id and a.group_id = new.group_id
      and a.author_id is not distinct from new.sent_by and a.published_at is not null
  ) then
    raise exception 'An intervention''s announcement is its sender''s, in its learner group.'
      using errcode = '23514';
  end if;
  new.announced := new.announcement_id is not null;
  return new;
end
$$;

revoke all on function private.refuse_learner_group_write(text, uuid) from public, anon, authenticated, service_role;

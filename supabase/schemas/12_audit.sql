-- Audit: who changed which membership, role, link or setting, when and how (app, api, csv,
-- system). Written only by these triggers, so no code path can forget it; rows keep plain ids
-- (not foreign keys) so history outlives what it describes.

-- Triggers, in firing order (before statement, before row, after row, after statement; by name
-- within each; deferred constraint triggers at commit):
--   public.audit_events: none

set check_function_bodies = off;

-- Audit ---------------------------------------------------------------------------------------
create table public.audit_events (
  id bigint generated always as identity primary key,
  actor_id uuid references public.users (id) on delete set null,
  action text not null,
  -- Plain ids, not foreign keys: history outlives what it describes.
  organisation_id uuid,
  course_id uuid,
  subject_user_id uuid,
  via text not null default 'app',
  data jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  group_id uuid
);
create index audit_events_actor_idx on public.audit_events (actor_id);
create index audit_events_course_idx on public.audit_events (course_id, created_at desc);
create index audit_events_group_idx on public.audit_events (group_id, created_at desc);
create index audit_events_organisation_idx on public.audit_events (organisation_id, created_at desc);
alter table public.audit_events enable row level security;
alter table public.audit_events force row level security;
revoke all on table public.audit_events from anon, authenticated, service_role;
grant insert, select, update, delete on table public.audit_events to anon;
grant insert, select, update, delete on table public.audit_events to authenticated;
grant insert, select, update, delete on table public.audit_events to service_role;

revoke all on sequence public.audit_events_id_seq from anon, authenticated, service_role;

-- Functions ---------------------------------------------------------------------------------------

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
      -- A move records where from and where to by name, as they were then (null: the top level).
      || case when tg_table_name = 'groups' and tg_op = 'UPDATE'
                   and (row_old ->> 'parent_id') is distinct from (row_new ->> 'parent_id')
         then jsonb_build_object('moved', jsonb_build_object(
           'from', (select g.name from public.groups g where g.id = (row_old ->> 'parent_id')::uuid),
           'to', (select g.name from public.groups g where g.id = (row_new ->> 'parent_id')::uuid)))
         else '{}'::jsonb end
  );
  return null;
end
$$;
revoke all on function private.audit_group_change() from public, anon, authenticated, service_role;

-- Audit -----------------------------------------------------------------------------------------
create or replace function private.audit_grouping_change() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  row_new jsonb := case when tg_op = 'DELETE' then null else to_jsonb(new) end;
  row_old jsonb := case when tg_op = 'INSERT' then null else to_jsonb(old) end;
  subject jsonb := coalesce(row_new, row_old);
  course uuid;
  org uuid;
  target_group uuid;
begin
  if tg_op = 'UPDATE' and (row_new - 'updated_at') = (row_old - 'updated_at') then
    return null;
  end if;
  if tg_table_name = 'groupings' then
    course := (subject ->> 'course_id')::uuid;
  elsif tg_table_name = 'grouping_groups' then
    target_group := (subject ->> 'group_id')::uuid;
    select course_id into course from public.groupings where id = (subject ->> 'grouping_id')::uuid;
    if course is null then
      select g.course_id into course from public.groups g where g.id = target_group;
    end if;
  else
    course := (subject ->> 'id')::uuid;
    row_new := jsonb_build_object('group_mode', row_new ->> 'group_mode',
                                  'force_group_mode', (row_new ->> 'force_group_mode')::boolean);
    row_old := jsonb_build_object('group_mode', row_old ->> 'group_mode',
                                  'force_group_mode', (row_old ->> 'force_group_mode')::boolean);
  end if;
  select c.organisation_id into org from public.courses c where c.id = course;
  insert into public.audit_events (actor_id, action, organisation_id, course_id, group_id, via, data)
  values (
    (select auth.uid()),
    case when tg_table_name = 'courses' then 'courses.group_mode' else tg_table_name || '.' || lower(tg_op) end,
    org,
    course,
    target_group,
    private.audit_via(),
    jsonb_build_object('old', row_old, 'new', row_new)
  );
  return null;
end
$$;
revoke all on function private.audit_grouping_change() from public, anon, authenticated, service_role;

-- Audit: one function for every progress table; all of them carry course_id.
create or replace function private.audit_progress_change() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  row_new jsonb := case when tg_op = 'DELETE' then null else to_jsonb(new) end;
  row_old jsonb := case when tg_op = 'INSERT' then null else to_jsonb(old) end;
  subject jsonb := coalesce(row_new, row_old);
  course uuid := (subject ->> 'course_id')::uuid;
  org uuid;
begin
  if tg_op = 'UPDATE' and (row_new - 'updated_at') = (row_old - 'updated_at') then
    return null;
  end if;
  select c.organisation_id into org from public.courses c where c.id = course;
  insert into public.audit_events (actor_id, action, organisation_id, course_id, group_id, subject_user_id, via, data)
  values (
    (select auth.uid()),
    tg_table_name || '.' || lower(tg_op),
    org,
    course,
    (subject ->> 'group_id')::uuid,
    (subject ->> 'user_id')::uuid,
    private.audit_via(),
    jsonb_build_object('old', row_old, 'new', row_new)
  );
  return null;
end
$$;
revoke all on function private.audit_progress_change() from public, anon, authenticated, service_role;

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
revoke all on function private.audit_row_change() from public, anon, authenticated, service_role;

-- Inserts and deletes of memberships and enrolments come in bulk (a cohort sync, an import, a
-- course link): one statement-level trigger writes their history in one insert from the
-- transition table, where a trigger per row cost ~0.8 ms a row. The rows it writes are those
-- private.audit_group_change and private.audit_row_change write for one row. Updates keep the
-- row triggers, which pair each old row with its new one.
create or replace function private.audit_bulk_change() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  who uuid := (select auth.uid());
  how text := private.audit_via();
  what text := tg_table_name || '.' || lower(tg_op);
begin
  if tg_table_name = 'group_members' then
    insert into public.audit_events (actor_id, action, organisation_id, course_id, group_id, subject_user_id, via, data)
    select who, what, g.organisation_id, g.course_id, r.group_id, r.user_id, how,
           case when tg_op = 'INSERT' then jsonb_build_object('old', null, 'new', to_jsonb(r))
                else jsonb_build_object('old', to_jsonb(r), 'new', null) end
    from changed_rows r
    left join public.groups g on g.id = r.group_id;
  else
    insert into public.audit_events (actor_id, action, organisation_id, course_id, group_id, subject_user_id, via, data)
    select who, what, c.organisation_id, r.course_id, null, r.user_id, how,
           case when tg_op = 'INSERT' then jsonb_build_object('old', null, 'new', to_jsonb(r))
                else jsonb_build_object('old', to_jsonb(r), 'new', null) end
    from changed_rows r
    left join public.courses c on c.id = r.course_id;
  end if;
  return null;
end
$$;
revoke all on function private.audit_bulk_change() from public, anon, authenticated, service_role;

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
revoke all on function private.audit_via() from public, anon, authenticated, service_role;

-- Triggers ----------------------------------------------------------------------------------------

create trigger activities_audit after insert or update or delete on public.activities
  for each row execute function private.audit_progress_change();

create trigger activity_restrictions_audit after insert or delete on public.activity_restrictions
  for each row execute function private.audit_progress_change();

-- No delete policy: the row goes with its group.
-- Audit --------------------------------------------------------------------------------------------
create trigger announcements_audit after insert or update or delete on public.announcements
  for each row execute function private.audit_group_change();

create trigger channels_audit after insert or update of name, archived_at on public.channels
  for each row execute function private.audit_group_change();

create trigger completions_audit after insert or update or delete on public.completions
  for each row execute function private.audit_progress_change();

create trigger course_group_links_audit after insert or update or delete on public.course_group_links
  for each row execute function private.audit_row_change();

create trigger course_progress_settings_audit after insert or update on public.course_progress_settings
  for each row execute function private.audit_progress_change();

create trigger courses_group_mode_audit after update of group_mode, force_group_mode on public.courses
  for each row when (old.group_mode is distinct from new.group_mode
                     or old.force_group_mode is distinct from new.force_group_mode)
  execute function private.audit_grouping_change();

create trigger enrolments_audit after update on public.enrolments
  for each row execute function private.audit_row_change();

create trigger enrolments_audit_delete after delete on public.enrolments
  referencing old table as changed_rows
  for each statement execute function private.audit_bulk_change();

create trigger enrolments_audit_insert after insert on public.enrolments
  referencing new table as changed_rows
  for each statement execute function private.audit_bulk_change();

create trigger group_invites_audit after insert or update on public.group_invites
  for each row execute function private.audit_group_change();

create trigger group_join_requests_audit after insert or update on public.group_join_requests
  for each row execute function private.audit_group_change();

create trigger group_members_audit after update on public.group_members
  for each row execute function private.audit_group_change();

create trigger group_members_audit_delete after delete on public.group_members
  referencing old table as changed_rows
  for each statement execute function private.audit_bulk_change();

create trigger group_members_audit_insert after insert on public.group_members
  referencing new table as changed_rows
  for each statement execute function private.audit_bulk_change();

create trigger group_storage_audit after update of quota_bytes on public.group_storage
  for each row execute function private.audit_group_change();

create trigger grouping_groups_audit after insert or delete on public.grouping_groups
  for each row execute function private.audit_grouping_change();

create trigger groupings_audit after insert or update or delete on public.groupings
  for each row execute function private.audit_grouping_change();

create trigger groups_audit after insert or update or delete on public.groups
  for each row execute function private.audit_group_change();

create trigger interventions_audit after insert on public.interventions
  for each row execute function private.audit_progress_change();

create trigger learner_group_criteria_audit
  after insert or delete or update of criteria, refresh_mode, cadence_minutes, depends_on
  on public.learner_group_criteria
  for each row execute function private.audit_progress_change();

create trigger organisation_members_audit after insert or update or delete on public.organisation_members
  for each row execute function private.audit_row_change();

create trigger resources_audit after insert or update or delete on public.resources
  for each row execute function private.audit_group_change();

-- Policies ----------------------------------------------------------------------------------------

create policy "admins see their scope's history and leaders their groups'"
  on public.audit_events for select to authenticated
  using (
    (select private.is_platform_admin())
    or organisation_id in (select private.admin_organisation_ids())
    or course_id in (select private.managed_course_ids())
    or group_id in (select private.led_group_ids())
  );

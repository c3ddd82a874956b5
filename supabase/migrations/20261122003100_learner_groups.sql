-- Learner groups by criteria: course groups (membership_mode 'rule', kind 'learner-group') whose
-- members are computed from progress facts by a criteria document. The app compiles the document
-- into one set-based diff (insert the missing, delete the gone), run by the system, and records
-- who was added and removed by each refresh. Interventions are messages staff send to a learner
-- group's members, kept as history.

create table public.learner_group_criteria (
  group_id uuid primary key references public.groups (id) on delete cascade,
  course_id uuid not null references public.courses (id) on delete cascade,
  -- Validated by the app (src/lib/schemas/learner-groups.ts) before it is stored.
  criteria jsonb not null check (jsonb_typeof(criteria) = 'object'),
  -- static: a snapshot refreshed by hand; dynamic: refreshed on a cadence and on events.
  refresh_mode text not null default 'dynamic' check (refresh_mode in ('static', 'dynamic')),
  cadence_minutes integer not null default 60 check (cadence_minutes between 5 and 10080),
  -- Which facts the criteria read ('completions', 'events', 'enrolments', 'groups'): an event
  -- of one of these kinds in the course triggers a refresh of a dynamic group.
  depends_on text[] not null default '{}',
  last_refreshed_at timestamptz,
  created_by uuid references public.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index learner_group_criteria_course_idx on public.learner_group_criteria (course_id);
create index learner_group_criteria_due_idx on public.learner_group_criteria (last_refreshed_at)
  where refresh_mode = 'dynamic';
alter table public.learner_group_criteria enable row level security;
alter table public.learner_group_criteria force row level security;

create table public.learner_group_refreshes (
  id bigint generated always as identity primary key,
  group_id uuid not null references public.groups (id) on delete cascade,
  course_id uuid not null references public.courses (id) on delete cascade,
  trigger text not null check (trigger in ('create', 'manual', 'schedule', 'event')),
  requested_by uuid references public.users (id) on delete set null,
  added uuid[] not null default '{}',
  removed uuid[] not null default '{}',
  added_count integer not null default 0,
  removed_count integer not null default 0,
  member_count integer not null default 0,
  refreshed_at timestamptz not null default now()
);
create index learner_group_refreshes_group_idx on public.learner_group_refreshes (group_id, refreshed_at desc);
create index learner_group_refreshes_course_idx on public.learner_group_refreshes (course_id);
alter table public.learner_group_refreshes enable row level security;
alter table public.learner_group_refreshes force row level security;

create table public.interventions (
  id uuid primary key default gen_random_uuid(),
  -- History outlives the group: the name is kept, the link is cleared.
  group_id uuid references public.groups (id) on delete set null,
  group_name text not null,
  course_id uuid not null references public.courses (id) on delete cascade,
  sent_by uuid references public.users (id) on delete set null,
  subject text not null check (length(btrim(subject)) between 1 and 200),
  body text not null check (length(btrim(body)) between 1 and 10000),
  recipient_count integer not null default 0,
  emailed_count integer not null default 0,
  announced boolean not null default false,
  created_at timestamptz not null default now()
);
create index interventions_group_idx on public.interventions (group_id, created_at desc);
create index interventions_course_idx on public.interventions (course_id, created_at desc);
create index interventions_sent_by_idx on public.interventions (sent_by);
alter table public.interventions enable row level security;
alter table public.interventions force row level security;

create table public.intervention_recipients (
  intervention_id uuid not null references public.interventions (id) on delete cascade,
  user_id uuid not null references public.users (id) on delete cascade,
  course_id uuid not null references public.courses (id) on delete cascade,
  email_status text not null default 'pending' check (email_status in ('pending', 'sent', 'failed')),
  primary key (intervention_id, user_id)
);
create index intervention_recipients_user_idx on public.intervention_recipients (user_id);
create index intervention_recipients_course_idx on public.intervention_recipients (course_id);
alter table public.intervention_recipients enable row level security;
alter table public.intervention_recipients force row level security;

-- Maintenance -------------------------------------------------------------------------------------

-- Criteria belong to a rule-based group of their own course.
create or replace function private.learner_group_criteria_before_write() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  select g.course_id into new.course_id from public.groups g
  where g.id = new.group_id and g.scope = 'course' and g.membership_mode = 'rule';
  if new.course_id is null then
    raise exception 'Criteria belong to a rule-based group of a course.' using errcode = '23514';
  end if;
  new.updated_at := now();
  return new;
end
$$;
create trigger learner_group_criteria_before_write before insert or update on public.learner_group_criteria
  for each row execute function private.learner_group_criteria_before_write();

create or replace function private.interventions_before_insert() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  select g.course_id, g.name into new.course_id, new.group_name from public.groups g
  where g.id = new.group_id and g.kind = 'learner-group';
  if new.course_id is null then
    raise exception 'Send interventions to a learner group.' using errcode = '23514';
  end if;
  return new;
end
$$;
create trigger interventions_before_insert before insert on public.interventions
  for each row execute function private.interventions_before_insert();

create trigger learner_group_criteria_audit after insert or update or delete on public.learner_group_criteria
  for each row execute function private.audit_progress_change();
create trigger interventions_audit after insert on public.interventions
  for each row execute function private.audit_progress_change();

-- Policy helpers --------------------------------------------------------------------------------

-- Interventions the current user received.
create or replace function private.received_intervention_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
begin
  return array(select intervention_id from public.intervention_recipients where user_id = auth.uid());
end
$$;

revoke all on all functions in schema private from public;
grant execute on all functions in schema private to anon, authenticated, service_role;

-- Privileges ------------------------------------------------------------------------------------

revoke update on public.learner_group_criteria, public.learner_group_refreshes, public.interventions,
  public.intervention_recipients from anon, authenticated;
grant update (criteria, refresh_mode, cadence_minutes, depends_on) on public.learner_group_criteria
  to anon, authenticated;

-- Policies --------------------------------------------------------------------------------------

-- Course staff (assistants too) keep learner groups where learner groups are switched on;
-- instructors and admins already manage every group of their courses.
create policy "course staff create learner groups where they are switched on"
  on public.groups for insert to authenticated
  with check (
    scope = 'course' and membership_mode = 'rule' and kind = 'learner-group'
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

create policy "course staff see learner group criteria"
  on public.learner_group_criteria for select to authenticated
  using (
    (select private.is_platform_admin())
    or course_id = any ((select private.staffed_course_ids_array())::uuid[])
  );
create policy "course staff define learner groups where they are switched on"
  on public.learner_group_criteria for insert to authenticated
  with check (
    ((select private.is_platform_admin()) or course_id = any ((select private.staffed_course_ids_array())::uuid[]))
    and course_id = any ((select private.learner_group_course_ids_array())::uuid[])
  );
create policy "course staff edit learner group criteria"
  on public.learner_group_criteria for update to authenticated
  using (
    (select private.is_platform_admin())
    or course_id = any ((select private.staffed_course_ids_array())::uuid[])
  )
  with check (
    (select private.is_platform_admin())
    or course_id = any ((select private.staffed_course_ids_array())::uuid[])
  );
create policy "course staff delete learner group criteria"
  on public.learner_group_criteria for delete to authenticated
  using (
    (select private.is_platform_admin())
    or course_id = any ((select private.staffed_course_ids_array())::uuid[])
  );

create policy "course staff see learner group refreshes"
  on public.learner_group_refreshes for select to authenticated
  using (
    (select private.is_platform_admin())
    or course_id = any ((select private.staffed_course_ids_array())::uuid[])
  );
-- No write policies: refreshes are run and recorded by the system.

create policy "course staff see interventions and recipients the ones they received"
  on public.interventions for select to authenticated
  using (
    (select private.is_platform_admin())
    or course_id = any ((select private.staffed_course_ids_array())::uuid[])
    or id = any ((select private.received_intervention_ids_array())::uuid[])
  );
create policy "course staff send interventions in their own name"
  on public.interventions for insert to authenticated
  with check (
    sent_by = (select auth.uid())
    and ((select private.is_platform_admin()) or course_id = any ((select private.staffed_course_ids_array())::uuid[]))
  );

create policy "course staff see recipients and people their own receipt"
  on public.intervention_recipients for select to authenticated
  using (
    (select private.is_platform_admin())
    or user_id = (select auth.uid())
    or course_id = any ((select private.staffed_course_ids_array())::uuid[])
  );
create policy "course staff address interventions"
  on public.intervention_recipients for insert to authenticated
  with check (
    (select private.is_platform_admin())
    or course_id = any ((select private.staffed_course_ids_array())::uuid[])
  );

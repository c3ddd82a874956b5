-- Announcements (a feed per group, pinned, scheduled, sent to sub-groups too, with views and
-- email deliveries) and resources (links and files in folders; bytes in the blob store, metadata
-- here, a storage quota per group, blob deletions queued for the cleaner).

-- Triggers, in firing order (before statement, before row, after row, after statement; by name
-- within each; deferred constraint triggers at commit):
--   public.announcements:
--     announcements_edit_check: before update, each row
--     announcements_learner_group_check: before insert, each row
--     announcements_audit: after insert or update or delete, each row [12_audit.sql]
--     announcements_notify_insert: after insert, each row [13_notifications.sql]
--     announcements_notify_publish: after update, each row [13_notifications.sql]
--     announcements_intervention_link: after insert, each row (deferred)
--   public.announcement_views: none
--   public.announcement_deliveries: none
--   public.resources:
--     resources_track_storage_insert: before insert, each row
--     resources_audit: after insert or update or delete, each row [12_audit.sql]
--     resources_queue_blob_deletion: after delete, each row
--     resources_track_storage_delete: after delete, each row
--   public.group_storage:
--     group_storage_audit: after update, each row [12_audit.sql]
--   private.blob_deletions: none

set check_function_bodies = off;

-- Announcements ------------------------------------------------------------------------------------
create table public.announcements (
  id uuid primary key default gen_random_uuid(),
  group_id uuid not null references public.groups (id) on delete cascade,
  author_id uuid references public.users (id) on delete set null,
  title text not null check (length(btrim(title)) between 1 and 200),
  body text not null check (length(btrim(body)) between 1 and 10000),
  -- Also to the members of every sub-group, in their own feeds.
  include_subgroups boolean not null default false,
  publish_at timestamptz not null default now(),
  -- Set by the publishing job once the announcement has gone out live and to email.
  published_at timestamptz,
  pinned boolean not null default false,
  created_at timestamptz not null default now(),
  -- When its title or text last changed after it went out (members see "edited"); set by the
  -- edit check, never by a client.
  edited_at timestamptz
);
create index announcements_author_idx on public.announcements (author_id);
create index announcements_due_idx on public.announcements (publish_at) where published_at is null;
create index announcements_group_idx on public.announcements (group_id, publish_at desc);
alter table public.announcements enable row level security;
alter table public.announcements force row level security;
revoke all on table public.announcements from anon, authenticated, service_role;
grant insert, select, delete on table public.announcements to anon;
grant insert, select, delete on table public.announcements to authenticated;
grant insert, select, update, delete on table public.announcements to service_role;
grant update (title, body, pinned, publish_at) on table public.announcements to authenticated;

create table public.announcement_views (
  announcement_id uuid not null references public.announcements (id) on delete cascade,
  user_id uuid not null references public.users (id) on delete cascade,
  seen_at timestamptz not null default now(),
  primary key (announcement_id, user_id)
);
create index announcement_views_user_idx on public.announcement_views (user_id);
alter table public.announcement_views enable row level security;
alter table public.announcement_views force row level security;
revoke all on table public.announcement_views from anon, authenticated, service_role;
grant insert, select, delete on table public.announcement_views to anon;
grant insert, select, delete on table public.announcement_views to authenticated;
grant insert, select, update, delete on table public.announcement_views to service_role;

-- Who has been emailed an announcement, so a retried fan-out job never emails anyone twice.
-- System only.
create table public.announcement_deliveries (
  announcement_id uuid not null references public.announcements (id) on delete cascade,
  user_id uuid not null references public.users (id) on delete cascade,
  sent_at timestamptz not null default now(),
  primary key (announcement_id, user_id)
);
alter table public.announcement_deliveries enable row level security;
alter table public.announcement_deliveries force row level security;
revoke all on table public.announcement_deliveries from anon, authenticated, service_role;
grant insert, select, update, delete on table public.announcement_deliveries to service_role;

-- Resources ----------------------------------------------------------------------------------------
create table public.resources (
  id uuid primary key default gen_random_uuid(),
  group_id uuid not null references public.groups (id) on delete cascade,
  kind text not null check (kind in ('link', 'file')),
  title text not null check (length(btrim(title)) between 1 and 200),
  description text not null default '' check (length(description) <= 2000),
  url text check (url is null or (length(url) <= 2000 and url ~* '^https?://[^[:space:]]+$')),
  folder text not null default '' check (length(folder) <= 100 and folder = btrim(folder)),
  tags text[] not null default '{}' check (cardinality(tags) <= 20 and length(array_to_string(tags, '')) <= 800),
  blob_key text unique,
  filename text check (filename is null or length(filename) between 1 and 255),
  content_type text check (content_type is null or length(content_type) between 3 and 100),
  size_bytes bigint check (size_bytes is null or size_bytes >= 0),
  added_by uuid references public.users (id) on delete set null,
  created_at timestamptz not null default now(),
  check (
    (kind = 'link' and url is not null and blob_key is null and filename is null
      and content_type is null and size_bytes is null)
    or (kind = 'file' and url is null and filename is not null and content_type is not null
      and size_bytes is not null and blob_key = 'g/' || group_id::text || '/' || id::text)
  )
);
create index resources_added_by_idx on public.resources (added_by);
create index resources_group_idx on public.resources (group_id, created_at desc);
alter table public.resources enable row level security;
alter table public.resources force row level security;
revoke all on table public.resources from anon, authenticated, service_role;
grant insert, select, delete on table public.resources to anon;
grant insert, select, delete on table public.resources to authenticated;
grant insert, select, update, delete on table public.resources to service_role;
grant update (title, description, folder, tags) on table public.resources to authenticated;

create table public.group_storage (
  group_id uuid primary key references public.groups (id) on delete cascade,
  quota_bytes bigint not null default 1073741824 check (quota_bytes >= 0),
  used_bytes bigint not null default 0 check (used_bytes >= 0)
);
alter table public.group_storage enable row level security;
alter table public.group_storage force row level security;
revoke all on table public.group_storage from anon, authenticated, service_role;
grant insert, select, delete on table public.group_storage to anon;
grant insert, select, delete on table public.group_storage to authenticated;
grant insert, select, update, delete on table public.group_storage to service_role;
grant update (quota_bytes) on table public.group_storage to authenticated;

-- Bytes outlive their rows only briefly. Whenever a file's row goes (deleted by a person, or with
-- its group), its blob key is queued here in the same transaction; the app removes the blob right
-- after commit when it can, and a minutely job removes whatever is still queued (a group deleted
-- with its library, a blob store that was down). System only.
create table private.blob_deletions (
  blob_key text primary key,
  queued_at timestamptz not null default now()
);
revoke all on table private.blob_deletions from anon, authenticated, service_role;
grant insert, select, delete on table private.blob_deletions to service_role;

-- Functions ---------------------------------------------------------------------------------------

-- ... and never without its intervention: checked at commit, so the two are written together or
-- not at all.
create or replace function private.announcements_intervention_link_check() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if exists (select 1 from public.groups g where g.id = new.group_id and g.kind = 'learner-group')
     and exists (select 1 from public.announcements a where a.id = new.id)
     and not exists (select 1 from public.interventions i where i.announcement_id = new.id) then
    raise exception 'A message to a learner group is posted with its intervention.'
      using errcode = '23514', hint = 'learner_group';
  end if;
  return null;
end
$$;
revoke all on function private.announcements_intervention_link_check() from public, anon, authenticated, service_role;

-- Edits by people (the publishing job runs as the system and is not checked): a change of title or
-- text after publishing is stamped edited; only a scheduled announcement is rescheduled, to a time
-- ahead (the job publishing it reads publish_at again and waits for the new time).
create or replace function private.announcements_edit_check() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if auth.uid() is null then
    return new;
  end if;
  if new.publish_at is distinct from old.publish_at then
    if old.published_at is not null then
      raise exception 'This announcement has gone out already; it cannot be rescheduled.'
        using errcode = 'check_violation', hint = 'published';
    end if;
    if new.publish_at < now() then
      raise exception 'Reschedule to a time ahead, or post it now.'
        using errcode = 'check_violation', hint = 'past';
    end if;
  end if;
  if old.published_at is not null
     and (new.title is distinct from old.title or new.body is distinct from old.body) then
    new.edited_at := now();
  end if;
  return new;
end
$$;
revoke all on function private.announcements_edit_check() from public, anon, authenticated, service_role;

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
revoke all on function private.announcements_learner_group_check() from public, anon, authenticated, service_role;

-- Who may post in a group's announcements channel: admins, and leaders where the group lets
-- its leaders post announcements.
create or replace function private.announcer_group_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  led uuid[] := private.led_group_ids_array();
  managed uuid[] := private.managed_group_ids_array();
begin
  return array(
    select unnest(managed)
    union
    select g.id from public.groups g where g.leaders_post_announcements and g.id = any (led)
  );
end
$$;
revoke all on function private.announcer_group_ids_array() from public, anon, authenticated, service_role;
grant execute on function private.announcer_group_ids_array() to authenticated, service_role;

-- Learner groups the current user is a current direct member of (not a leader, not through a
-- sub-group): the people a message to the group reaches.
create or replace function private.member_learner_group_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  uid uuid := auth.uid();
begin
  return array(
    select m.group_id from public.current_memberships m join public.groups g on g.id = m.group_id
    where m.user_id = uid and m.role = 'member' and g.kind = 'learner-group'
  );
end
$$;
revoke all on function private.member_learner_group_ids_array() from public, anon, authenticated, service_role;
grant execute on function private.member_learner_group_ids_array() to authenticated, service_role;

-- Ancestors of the groups the current user reads: their announcements to sub-groups reach them.
create or replace function private.readable_ancestor_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  readable uuid[] := private.readable_group_ids_array();
begin
  return array(
    select distinct c.ancestor_id from public.group_closure c
    where c.descendant_id = any (readable) and c.depth > 0
  );
end
$$;
revoke all on function private.readable_ancestor_ids_array() from public, anon, authenticated, service_role;
grant execute on function private.readable_ancestor_ids_array() to authenticated, service_role;

-- Announcements and shared resources of a group.
--
-- Who reads them is who reads the group's channels: its effective members (members of
-- sub-groups included), its leaders and the leaders of its ancestors, and the admins of its
-- scope. Announcements are posted by admins and by leaders where the group lets leaders post;
-- scheduled ones are in the feed from publish_at on (the database decides, so a late job never delays one), and a job
-- marks published_at when it has announced and emailed it. Files are bytes in the BlobStore,
-- metadata here; blob keys are derived from the row (g/<group>/<resource>), so a row can never
-- point at another group's bytes, and every file counts against its group's storage quota,
-- checked under a row lock so concurrent uploads cannot overrun it.
-- Policy helpers --------------------------------------------------------------------------------
-- Groups whose announcements and resources the current user may read: those whose channels
-- they read (09_channels.sql) that they can also see, so a member of a hidden group
-- (which only staff and leaders see) does not read its library either.
create or replace function private.readable_group_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  chat uuid[] := private.chat_group_ids_array();
  visible uuid[] := private.visible_group_ids_array();
begin
  return array(select unnest(chat) intersect select unnest(visible));
end
$$;
revoke all on function private.readable_group_ids_array() from public, anon, authenticated, service_role;
grant execute on function private.readable_group_ids_array() to authenticated, service_role;

-- Announcements of the interventions the current user received.
create or replace function private.received_announcement_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  uid uuid := auth.uid();
begin
  return array(
    select i.announcement_id from public.intervention_recipients r
    join public.interventions i on i.id = r.intervention_id
    where r.user_id = uid and i.announcement_id is not null
  );
end
$$;
revoke all on function private.received_announcement_ids_array() from public, anon, authenticated, service_role;
grant execute on function private.received_announcement_ids_array() to authenticated, service_role;

create or replace function private.resources_queue_blob_deletion() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  insert into private.blob_deletions (blob_key) values (old.blob_key) on conflict do nothing;
  return null;
end
$$;
revoke all on function private.resources_queue_blob_deletion() from public, anon, authenticated, service_role;

-- Counts a file against its group's quota. The upsert locks the group's storage row, so two
-- uploads into one group queue here and the second sees the first's bytes.
create or replace function private.resources_track_storage() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  used bigint;
  quota bigint;
begin
  if tg_op = 'INSERT' then
    if new.kind = 'file' then
      insert into public.group_storage as s (group_id, used_bytes) values (new.group_id, new.size_bytes)
      on conflict (group_id) do update set used_bytes = s.used_bytes + excluded.used_bytes
      returning s.used_bytes, s.quota_bytes into used, quota;
      if used > quota then
        raise exception 'The group''s file storage is full: % MB of % MB used.',
          round((used - new.size_bytes) / 1048576.0, 1), round(quota / 1048576.0, 1)
          using errcode = '23514', hint = 'quota_exceeded';
      end if;
    end if;
    return new;
  end if;
  if old.kind = 'file' then
    update public.group_storage set used_bytes = greatest(0, used_bytes - old.size_bytes)
    where group_id = old.group_id;
  end if;
  return old;
end
$$;
revoke all on function private.resources_track_storage() from public, anon, authenticated, service_role;

-- Policy helpers --------------------------------------------------------------------------------
-- Learner groups of the courses the current user staffs (instructors, assistants, and admins of
-- the course's organisation).
create or replace function private.staffed_learner_group_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  staffed uuid[] := private.staffed_course_ids_array();
begin
  return array(
    select g.id from public.groups g
    where g.kind = 'learner-group' and g.course_id = any (staffed)
  );
end
$$;
revoke all on function private.staffed_learner_group_ids_array() from public, anon, authenticated, service_role;
grant execute on function private.staffed_learner_group_ids_array() to authenticated, service_role;

-- Read a group's channels, announcements and resources.
create or replace function public.may_read_groups(ids uuid[]) returns uuid[]
language plpgsql stable security invoker set search_path = ''
as $$
begin
  if auth.uid() is null then
    return '{}';
  end if;
  if private.is_platform_admin() then
    return ids;
  end if;
  return array(select unnest(ids) intersect select unnest(private.readable_group_ids_array()));
end
$$;
revoke all on function public.may_read_groups(ids uuid[]) from public, anon, authenticated, service_role;
grant execute on function public.may_read_groups(ids uuid[]) to anon, authenticated, service_role;

-- Post announcements (and in a group's announcements channel).
create or replace function public.may_announce_in(ids uuid[]) returns uuid[]
language plpgsql stable security invoker set search_path = ''
as $$
begin
  if auth.uid() is null then
    return '{}';
  end if;
  if private.is_platform_admin() then
    return ids;
  end if;
  return array(select unnest(ids) intersect select unnest(private.announcer_group_ids_array()));
end
$$;
revoke all on function public.may_announce_in(ids uuid[]) from public, anon, authenticated, service_role;
grant execute on function public.may_announce_in(ids uuid[]) to anon, authenticated, service_role;

-- Triggers ----------------------------------------------------------------------------------------

create constraint trigger announcements_intervention_link after insert on public.announcements
  deferrable initially deferred
  for each row execute function private.announcements_intervention_link_check();

create trigger announcements_edit_check before update on public.announcements
  for each row execute function private.announcements_edit_check();

create trigger announcements_learner_group_check before insert on public.announcements
  for each row execute function private.announcements_learner_group_check();

create trigger resources_queue_blob_deletion after delete on public.resources
  for each row when (old.blob_key is not null)
  execute function private.resources_queue_blob_deletion();

create trigger resources_track_storage_delete after delete on public.resources
  for each row execute function private.resources_track_storage();

create trigger resources_track_storage_insert before insert on public.resources
  for each row execute function private.resources_track_storage();

-- Policies ----------------------------------------------------------------------------------------

-- Policies ----------------------------------------------------------------------------------------
create policy "readers see published announcements and announcers see them all"
  on public.announcements for select to authenticated
  using (
    ((select private.is_platform_admin()) and group_id <> all ((select private.binned_group_ids_array())::uuid[]))
    or group_id = any ((select private.announcer_group_ids_array())::uuid[])
    or (
      publish_at <= now()
      and (
        group_id = any ((select private.readable_group_ids_array())::uuid[])
        or (include_subgroups and group_id = any ((select private.readable_ancestor_ids_array())::uuid[]))
      )
    )
  );

create policy "admins and permitted leaders post announcements"
  on public.announcements for insert to authenticated
  with check (
    author_id = (select auth.uid())
    and published_at is null
    and ((select private.is_platform_admin()) or group_id = any ((select private.announcer_group_ids_array())::uuid[]))
  );

create policy "admins and permitted leaders edit and pin announcements"
  on public.announcements for update to authenticated
  using ((select private.is_platform_admin()) or group_id = any ((select private.announcer_group_ids_array())::uuid[]))
  with check ((select private.is_platform_admin()) or group_id = any ((select private.announcer_group_ids_array())::uuid[]));

create policy "admins and permitted leaders delete announcements"
  on public.announcements for delete to authenticated
  using ((select private.is_platform_admin()) or group_id = any ((select private.announcer_group_ids_array())::uuid[]));

create policy "people see what they have seen and announcers who has seen theirs"
  on public.announcement_views for select to authenticated
  using (
    user_id = (select auth.uid())
    or (select private.is_platform_admin())
    or announcement_id in (
      select a.id from public.announcements a
      where a.group_id = any ((select private.announcer_group_ids_array())::uuid[])
    )
  );

create policy "people mark the announcements they can read as seen"
  on public.announcement_views for insert to authenticated
  with check (
    user_id = (select auth.uid())
    and announcement_id in (select a.id from public.announcements a where a.publish_at <= now())
  );

-- No update or delete policy: a view is a fact.
create policy "readers see the group's resources"
  on public.resources for select to authenticated
  using (
    ((select private.is_platform_admin()) and group_id <> all ((select private.binned_group_ids_array())::uuid[]))
    or group_id = any ((select private.readable_group_ids_array())::uuid[])
  );

create policy "readers share resources as themselves"
  on public.resources for insert to authenticated
  with check (
    added_by = (select auth.uid())
    and ((select private.is_platform_admin()) or group_id = any ((select private.readable_group_ids_array())::uuid[]))
  );

create policy "the person who shared it, moderators and admins edit a resource"
  on public.resources for update to authenticated
  using (
    (select private.is_platform_admin())
    or group_id = any ((select private.moderated_group_ids_array())::uuid[])
    or (added_by = (select auth.uid()) and group_id = any ((select private.readable_group_ids_array())::uuid[]))
  )
  with check (
    (select private.is_platform_admin())
    or group_id = any ((select private.moderated_group_ids_array())::uuid[])
    or (added_by = (select auth.uid()) and group_id = any ((select private.readable_group_ids_array())::uuid[]))
  );

create policy "the person who shared it, moderators and admins delete a resource"
  on public.resources for delete to authenticated
  using (
    (select private.is_platform_admin())
    or group_id = any ((select private.moderated_group_ids_array())::uuid[])
    or (added_by = (select auth.uid()) and group_id = any ((select private.readable_group_ids_array())::uuid[]))
  );

create policy "readers see the group's storage use"
  on public.group_storage for select to authenticated
  using (
    (select private.is_platform_admin())
    or group_id = any ((select private.readable_group_ids_array())::uuid[])
  );

create policy "admins set a group's storage quota"
  on public.group_storage for insert to authenticated
  with check (
    used_bytes = 0
    and ((select private.is_platform_admin()) or group_id = any ((select private.managed_group_ids_array())::uuid[]))
  );

create policy "admins change a group's storage quota"
  on public.group_storage for update to authenticated
  using ((select private.is_platform_admin()) or group_id = any ((select private.managed_group_ids_array())::uuid[]))
  with check ((select private.is_platform_admin()) or group_id = any ((select private.managed_group_ids_array())::uuid[]));

-- Policies ----------------------------------------------------------------------------------------
create policy "course staff post messages to their learner groups already published"
  on public.announcements for insert to authenticated
  with check (
    author_id = (select auth.uid())
    and published_at = now()
    and publish_at = now()
    and not include_subgroups
    and (
      group_id = any ((select private.staffed_learner_group_ids_array())::uuid[])
      or ((select private.is_platform_admin())
          and group_id in (select g.id from public.groups g where g.kind = 'learner-group'))
    )
  );

create policy "course staff read the messages to their learner groups"
  on public.announcements for select to authenticated
  using (group_id = any ((select private.staffed_learner_group_ids_array())::uuid[]));

create policy "members and recipients read the course team's messages to learner groups"
  on public.announcements for select to authenticated
  using (
    published_at is not null
    and (
      group_id = any ((select private.member_learner_group_ids_array())::uuid[])
      or id = any ((select private.received_announcement_ids_array())::uuid[])
    )
  );

create policy "course staff see who has seen their messages to learner groups"
  on public.announcement_views for select to authenticated
  using (
    announcement_id in (
      select a.id from public.announcements a
      where a.group_id = any ((select private.staffed_learner_group_ids_array())::uuid[])
    )
  );

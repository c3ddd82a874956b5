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
-- they read (20261122002000_channels.sql) that they can also see, so a member of a hidden group
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

-- Who posts announcements (private.announcer_group_ids_array) and who removes what others
-- shared (private.moderated_group_ids_array) are the channels migration's helpers.

-- People -----------------------------------------------------------------------------------------

-- "Email me announcements": on unless the person turns it off in their settings.
alter table public.users add column email_announcements boolean not null default true;

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
  created_at timestamptz not null default now()
);
create index announcements_group_idx on public.announcements (group_id, publish_at desc);
create index announcements_due_idx on public.announcements (publish_at) where published_at is null;
create index announcements_author_idx on public.announcements (author_id);
alter table public.announcements enable row level security;
alter table public.announcements force row level security;

create table public.announcement_views (
  announcement_id uuid not null references public.announcements (id) on delete cascade,
  user_id uuid not null references public.users (id) on delete cascade,
  seen_at timestamptz not null default now(),
  primary key (announcement_id, user_id)
);
create index announcement_views_user_idx on public.announcement_views (user_id);
alter table public.announcement_views enable row level security;
alter table public.announcement_views force row level security;

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
revoke all on public.announcement_deliveries from anon, authenticated;

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
create index resources_group_idx on public.resources (group_id, created_at desc);
create index resources_added_by_idx on public.resources (added_by);
alter table public.resources enable row level security;
alter table public.resources force row level security;

create table public.group_storage (
  group_id uuid primary key references public.groups (id) on delete cascade,
  quota_bytes bigint not null default 1073741824 check (quota_bytes >= 0),
  used_bytes bigint not null default 0 check (used_bytes >= 0)
);
alter table public.group_storage enable row level security;
alter table public.group_storage force row level security;

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
create trigger resources_track_storage_insert before insert on public.resources
  for each row execute function private.resources_track_storage();
create trigger resources_track_storage_delete after delete on public.resources
  for each row execute function private.resources_track_storage();

revoke all on all functions in schema private from public;
grant execute on all functions in schema private to anon, authenticated, service_role;

-- Privileges --------------------------------------------------------------------------------------

revoke update on public.announcements, public.announcement_views, public.resources, public.group_storage
  from anon, authenticated;
grant update (title, body, pinned) on public.announcements to authenticated;
grant update (title, description, folder, tags) on public.resources to authenticated;
grant update (quota_bytes) on public.group_storage to authenticated;

-- Policies ----------------------------------------------------------------------------------------

create policy "readers see published announcements and announcers see them all"
  on public.announcements for select to authenticated
  using (
    (select private.is_platform_admin())
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
    (select private.is_platform_admin())
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
-- No delete policy: the row goes with its group.

-- Audit --------------------------------------------------------------------------------------------

create trigger announcements_audit after insert or update or delete on public.announcements
  for each row execute function private.audit_group_change();
create trigger resources_audit after insert or update or delete on public.resources
  for each row execute function private.audit_group_change();
create trigger group_storage_audit after update of quota_bytes on public.group_storage
  for each row execute function private.audit_group_change();

-- Channels follow the course's group mode (docs/decisions.md, "Course groups" → "Group mode").
-- In a course whose mode is `visible`, its active participants read the channels (the channel
-- list, the messages and their reactions) of every non-hidden course group, as they see those
-- groups (20261122001000_course_groups.sql). Posting, reacting, editing and the socket rooms
-- stay with the people in the group's chat (private.chat_group_ids_array, private.can_chat_in),
-- so a reader gets history on request and no live traffic. `separate` and `none` courses keep
-- member-only channels; staff, leaders and admins are unchanged.

-- Groups whose channels the current user reads: those they chat in, and the non-hidden groups of
-- their visible-mode courses.
create or replace function private.chat_readable_group_ids_array() returns uuid[]
language plpgsql stable security definer set search_path = ''
as $$
declare
  chat uuid[] := private.chat_group_ids_array();
  visible_mode uuid[] := private.visible_mode_course_ids_array();
begin
  if cardinality(visible_mode) = 0 then
    return chat;
  end if;
  return array(
    select unnest(chat)
    union
    select g.id from public.groups g where g.course_id = any (visible_mode) and g.visibility <> 'hidden'
  );
end
$$;

-- The same rule for one group the user does not chat in: what the send trigger checks to tell a
-- reader "read only" rather than "no such channel".
create or replace function private.reads_chat_only_in(target uuid) returns boolean
language sql stable security definer set search_path = ''
as $$
  select exists (
    select 1 from public.groups g
    where g.id = target and g.visibility <> 'hidden'
      and g.course_id = any (private.visible_mode_course_ids_array())
  ) and not private.can_chat_in(target)
$$;

-- As in 20261122002000_channels.sql, with a clear refusal for someone who only reads the channel.
create or replace function private.messages_before_insert() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  channel public.channels;
  messaging boolean;
begin
  if exists (select 1 from public.messages where author_id = new.author_id and client_id = new.client_id) then
    return null;
  end if;
  select * into channel from public.channels where id = new.channel_id;
  if found and auth.uid() is not null and private.reads_chat_only_in(channel.group_id) then
    raise exception 'You can read this group''s channels, but post only in the groups you belong to.'
      using errcode = '42501', hint = 'readers_only';
  end if;
  -- Someone outside the group learns nothing about its channels, not even that one is closed.
  if not found or (auth.uid() is not null and not private.can_chat_in(channel.group_id)) then
    raise exception 'This channel does not exist.' using errcode = '23503';
  end if;
  if channel.archived_at is not null then
    raise exception 'This channel is archived: it takes no new messages.' using errcode = '23514', hint = 'channel_closed';
  end if;
  select g.messaging_enabled into messaging from public.groups g where g.id = channel.group_id;
  if not messaging then
    raise exception 'Messaging is turned off in this group.' using errcode = '23514', hint = 'channel_closed';
  end if;
  if channel.kind = 'announcements' and not (
    private.is_platform_admin() or channel.group_id = any (private.announcer_group_ids_array())
  ) then
    raise exception 'Only leaders and admins post in announcements.' using errcode = '42501', hint = 'announcers_only';
  end if;
  update public.channels set last_seq = last_seq + 1 where id = new.channel_id returning last_seq into new.seq;
  new.group_id := channel.group_id;
  new.author_name := coalesce((select u.display_name from public.users u where u.id = new.author_id), '');
  new.edited_at := null;
  new.deleted_at := null;
  new.created_at := now();
  return new;
end
$$;

revoke all on all functions in schema private from public;
grant execute on all functions in schema private to anon, authenticated, service_role;

-- Reading policies: the wider set. Insert and update policies keep the chat set.
drop policy "members, their leaders and admins see a group's channels" on public.channels;
create policy "members, their leaders and admins see a group's channels"
  on public.channels for select to authenticated
  using (
    (select private.is_platform_admin())
    or group_id = any ((select private.chat_readable_group_ids_array())::uuid[])
  );

drop policy "members, their leaders and admins read a group's messages" on public.messages;
create policy "members, their leaders and admins read a group's messages"
  on public.messages for select to authenticated
  using (
    (select private.is_platform_admin())
    or group_id = any ((select private.chat_readable_group_ids_array())::uuid[])
  );

drop policy "people in a group's chat see its reactions" on public.message_reactions;
create policy "people in a group's chat see its reactions"
  on public.message_reactions for select to authenticated
  using (
    (select private.is_platform_admin())
    or group_id = any ((select private.chat_readable_group_ids_array())::uuid[])
  );

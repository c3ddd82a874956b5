-- A chat message may attach one of its group's resources. The foreign key waits for the resources
-- table (20261122002100); deleting the resource leaves the message, without its attachment. The
-- trigger keeps an attachment inside the message's group whatever the app does: a message can
-- never hand out another group's file.

alter table public.messages
  add constraint messages_attachment_resource_fkey
  foreign key (attachment_resource_id) references public.resources (id) on delete set null;

-- Runs after messages_before_insert (triggers fire in name order), which sets group_id.
create or replace function private.messages_check_attachment() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if new.attachment_resource_id is not null and not exists (
    select 1 from public.resources r
    where r.id = new.attachment_resource_id and r.group_id = new.group_id
  ) then
    raise exception 'The attachment is not a resource of this group.' using errcode = '23503';
  end if;
  return new;
end
$$;
create trigger messages_check_attachment before insert or update of attachment_resource_id on public.messages
  for each row execute function private.messages_check_attachment();

revoke all on all functions in schema private from public;
grant execute on all functions in schema private to anon, authenticated, service_role;

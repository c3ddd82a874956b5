-- Bytes outlive their rows only briefly. Whenever a file's row goes (deleted by a person, or with
-- its group), its blob key is queued here in the same transaction; the app removes the blob right
-- after commit when it can, and a minutely job removes whatever is still queued (a group deleted
-- with its library, a blob store that was down). System only.

create table private.blob_deletions (
  blob_key text primary key,
  queued_at timestamptz not null default now()
);
revoke all on private.blob_deletions from public, anon, authenticated;
grant select, insert, delete on private.blob_deletions to service_role;

create or replace function private.resources_queue_blob_deletion() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  insert into private.blob_deletions (blob_key) values (old.blob_key) on conflict do nothing;
  return null;
end
$$;
create trigger resources_queue_blob_deletion after delete on public.resources
  for each row when (old.blob_key is not null)
  execute function private.resources_queue_blob_deletion();

revoke all on all functions in schema private from public;
grant execute on all functions in schema private to anon, authenticated, service_role;

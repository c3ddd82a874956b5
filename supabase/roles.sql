-- The login role the app connects as. It owns nothing and has no BYPASSRLS; it can only become
-- one of the API roles for the length of a transaction (set local role), like Supabase's
-- authenticator. The password is bound by the runner (see src/lib/server/db/setup.js).
do $$
begin
  if not exists (select from pg_roles where rolname = 'tessera_app') then
    create role tessera_app login noinherit nobypassrls;
  end if;
end
$$;
grant anon, authenticated, service_role to tessera_app;

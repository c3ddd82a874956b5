-- Known devices: a browser that signed in to an account successfully gets a device cookie; its
-- SHA-256 is kept here. A sign-in from a known device skips the account-wide delay that failures
-- from other addresses cause, so nobody can lock the owner out (docs/decisions.md, Sessions).
-- Written and read by the system only (service_role), like sessions and sign_in_throttle.
create table public.known_devices (
  token_hash text primary key,
  user_id uuid not null references public.users (id) on delete cascade,
  created_at timestamptz not null default now(),
  last_used_at timestamptz not null default now()
);
create index known_devices_user_id_idx on public.known_devices (user_id);
alter table public.known_devices enable row level security;
alter table public.known_devices force row level security;
revoke all on public.known_devices from anon, authenticated;

comment on table public.sign_in_throttle is
  'Failed sign-ins per key (pair:<email>|<ip>, email:<email>, ip:<ip>); locked_until is when the next attempt is allowed (a delay that doubles), see src/lib/server/auth/throttle.ts.';

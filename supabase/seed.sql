-- Demo data: a platform admin, two organisations with their admins, six courses with
-- instructors, and 300 learners with believable names. Every demo password is printed by
-- `npm run dev`; the hashes below are argon2id of those passwords.
--   admin@tessera.test                 demo-admin-2026
--   everyone else (@northfield.test, @harbour.test, learners) demo-pass-2026

insert into public.users (id, email, display_name, platform_role) values
  ('00000000-0000-4000-8000-000000000001', 'admin@tessera.test', 'Ada Admin', 'admin'),
  ('00000000-0000-4000-8000-000000000011', 'olivia.grant@northfield.test', 'Olivia Grant', 'user'),
  ('00000000-0000-4000-8000-000000000012', 'omar.haddad@harbour.test', 'Omar Haddad', 'user'),
  ('00000000-0000-4000-8000-000000000021', 'ines.moreau@northfield.test', 'Inès Moreau', 'user'),
  ('00000000-0000-4000-8000-000000000022', 'tomas.novak@northfield.test', 'Tomáš Novák', 'user'),
  ('00000000-0000-4000-8000-000000000023', 'priya.raman@northfield.test', 'Priya Raman', 'user'),
  ('00000000-0000-4000-8000-000000000024', 'kwame.mensah@harbour.test', 'Kwame Mensah', 'user'),
  ('00000000-0000-4000-8000-000000000025', 'hana.sato@harbour.test', 'Hana Sato', 'user'),
  ('00000000-0000-4000-8000-000000000026', 'liam.oconnor@harbour.test', 'Liam O''Connor', 'user'),
  ('00000000-0000-4000-8000-000000000031', 'sofia.ricci@northfield.test', 'Sofia Ricci', 'user');

with first_names(n, name) as (
  select row_number() over (), name from unnest(array[
    'Maya','Noah','Amara','Lucas','Zara','Mateo','Aisha','Elias','Freya','Kai','Leila','Oscar',
    'Chloé','Ravi','Nora','Jonas','Yuki','Samir','Ingrid','Diego','Mei','Felix','Anya','Tariq',
    'Ruth','Emeka','Clara','Arjun','Sienna','Bjørn','Lucía','Idris','Hannah','Kenji','Olga','Musa'
  ]) as name
), last_names(n, name) as (
  select row_number() over (), name from unnest(array[
    'Okafor','Lindqvist','Patel','Fernández','Kowalski','Nguyen','Haddad','Müller','Adeyemi',
    'Rossi','Tanaka','Byrne','Costa','Ivanova','Mbeki','Schmidt','Dubois','Khan','Larsen','Silva',
    'Hughes','Zhang','Nowak','Jensen','Ortiz'
  ]) as name
), learners as (
  select i,
    (select name from first_names where n = 1 + (i * 7) % 36) as first_name,
    (select name from last_names where n = 1 + (i * 11) % 25) as last_name
  from generate_series(1, 300) as i
)
insert into public.users (id, email, display_name)
select
  ('00000000-0000-4000-9000-' || lpad(i::text, 12, '0'))::uuid,
  lower(translate(first_name || '.' || last_name,
    'éáíóúüöøçñšžčëäåÉÁÍÓÚÜÖØÇÑŠŽČ ''', 'eaiouuoocnszceaaEAIOUUOOCNSZC')) || i || '@learners.test',
  first_name || ' ' || last_name
from learners;

insert into public.user_passwords (user_id, hash)
select id, case when platform_role = 'admin'
  then '$argon2id$v=19$m=19456,t=2,p=1$Hvi8rQmCstYl6wn+6omgcw$IIzwmE+z7AgKl6pT+6j72xoPOjDKkXwBXkmvnE3droQ'
  else '$argon2id$v=19$m=19456,t=2,p=1$0xx2w5JHmcL4RuAZcarWNg$4x25gOeYiz+nbNBwv8z0wYiTYcUYcwJ+c4eDTV+MNAc'
end
from public.users;

insert into public.organisations (id, name, slug, description, created_by) values
  ('00000000-0000-4000-a000-000000000001', 'Northfield University', 'northfield',
   'A mid-sized university with a strong first-year programme.', '00000000-0000-4000-8000-000000000001'),
  ('00000000-0000-4000-a000-000000000002', 'Harbour Coding School', 'harbour',
   'Evening and weekend courses for people changing careers into software.', '00000000-0000-4000-8000-000000000001');

insert into public.organisation_members (organisation_id, user_id, role) values
  ('00000000-0000-4000-a000-000000000001', '00000000-0000-4000-8000-000000000011', 'admin'),
  ('00000000-0000-4000-a000-000000000002', '00000000-0000-4000-8000-000000000012', 'admin'),
  ('00000000-0000-4000-a000-000000000001', '00000000-0000-4000-8000-000000000021', 'member'),
  ('00000000-0000-4000-a000-000000000001', '00000000-0000-4000-8000-000000000022', 'member'),
  ('00000000-0000-4000-a000-000000000001', '00000000-0000-4000-8000-000000000023', 'member'),
  ('00000000-0000-4000-a000-000000000001', '00000000-0000-4000-8000-000000000031', 'member'),
  ('00000000-0000-4000-a000-000000000002', '00000000-0000-4000-8000-000000000024', 'member'),
  ('00000000-0000-4000-a000-000000000002', '00000000-0000-4000-8000-000000000025', 'member'),
  ('00000000-0000-4000-a000-000000000002', '00000000-0000-4000-8000-000000000026', 'member');

insert into public.courses (id, organisation_id, code, name, description) values
  ('00000000-0000-4000-b000-000000000001', '00000000-0000-4000-a000-000000000001', 'BIO101', 'Foundations of Biology', 'Cells, genetics and evolution for first-year students.'),
  ('00000000-0000-4000-b000-000000000002', '00000000-0000-4000-a000-000000000001', 'HIS210', 'Modern European History', 'Europe from 1789 to the present.'),
  ('00000000-0000-4000-b000-000000000003', '00000000-0000-4000-a000-000000000001', 'DAT150', 'Data Literacy', 'Reading, questioning and presenting data.'),
  ('00000000-0000-4000-b000-000000000004', '00000000-0000-4000-a000-000000000002', 'WEB100', 'Web Foundations', 'HTML, CSS and how the web works.'),
  ('00000000-0000-4000-b000-000000000005', '00000000-0000-4000-a000-000000000002', 'JS200', 'JavaScript in Depth', 'The language, the browser and Node.'),
  ('00000000-0000-4000-b000-000000000006', '00000000-0000-4000-a000-000000000002', 'SQL110', 'Databases and SQL', 'Modelling data and querying it well.');

insert into public.enrolments (course_id, user_id, role) values
  ('00000000-0000-4000-b000-000000000001', '00000000-0000-4000-8000-000000000021', 'instructor'),
  ('00000000-0000-4000-b000-000000000002', '00000000-0000-4000-8000-000000000022', 'instructor'),
  ('00000000-0000-4000-b000-000000000003', '00000000-0000-4000-8000-000000000023', 'instructor'),
  ('00000000-0000-4000-b000-000000000001', '00000000-0000-4000-8000-000000000031', 'assistant'),
  ('00000000-0000-4000-b000-000000000004', '00000000-0000-4000-8000-000000000024', 'instructor'),
  ('00000000-0000-4000-b000-000000000005', '00000000-0000-4000-8000-000000000025', 'instructor'),
  ('00000000-0000-4000-b000-000000000006', '00000000-0000-4000-8000-000000000026', 'instructor');

-- Learners 1–150 study at Northfield, 151–300 at Harbour; each takes one to three courses.
insert into public.enrolments (course_id, user_id, role, status)
select
  ('00000000-0000-4000-b000-00000000000' || (case when i <= 150 then 0 else 3 end + c))::uuid,
  ('00000000-0000-4000-9000-' || lpad(i::text, 12, '0'))::uuid,
  'learner',
  case when (i * 13 + c) % 29 = 0 then 'suspended' else 'active' end
from generate_series(1, 300) as i, generate_series(1, 3) as c
where c = 1 + i % 3 or (i % 4 = 0 and c = 1 + (i + 1) % 3) or (i % 9 = 0 and c = 1 + (i + 2) % 3);

-- Course groups in BIO101: four lab sections in an exclusive grouping, filled by name (every
-- tenth learner left out, so "Not in a group" has people in it); six project teams in a
-- grouping open for self sign-up until a month from now, four places each, the first to join
-- leading. Maya (learner 36) is in Lab B and in no team yet, so she can sign up.
insert into public.groups (id, scope, organisation_id, course_id, name, idnumber, description) values
  ('00000000-0000-4000-c000-000000000101', 'course', '00000000-0000-4000-a000-000000000001', '00000000-0000-4000-b000-000000000001', 'Lab A', 'BIO101-LAB-A', 'Tuesdays 09:00, room B12.'),
  ('00000000-0000-4000-c000-000000000102', 'course', '00000000-0000-4000-a000-000000000001', '00000000-0000-4000-b000-000000000001', 'Lab B', 'BIO101-LAB-B', 'Tuesdays 14:00, room B12.'),
  ('00000000-0000-4000-c000-000000000103', 'course', '00000000-0000-4000-a000-000000000001', '00000000-0000-4000-b000-000000000001', 'Lab C', 'BIO101-LAB-C', 'Thursdays 09:00, room B14.'),
  ('00000000-0000-4000-c000-000000000104', 'course', '00000000-0000-4000-a000-000000000001', '00000000-0000-4000-b000-000000000001', 'Lab D', 'BIO101-LAB-D', 'Thursdays 14:00, room B14.'),
  ('00000000-0000-4000-c000-000000000111', 'course', '00000000-0000-4000-a000-000000000001', '00000000-0000-4000-b000-000000000001', 'Team 1', null, ''),
  ('00000000-0000-4000-c000-000000000112', 'course', '00000000-0000-4000-a000-000000000001', '00000000-0000-4000-b000-000000000001', 'Team 2', null, ''),
  ('00000000-0000-4000-c000-000000000113', 'course', '00000000-0000-4000-a000-000000000001', '00000000-0000-4000-b000-000000000001', 'Team 3', null, ''),
  ('00000000-0000-4000-c000-000000000114', 'course', '00000000-0000-4000-a000-000000000001', '00000000-0000-4000-b000-000000000001', 'Team 4', null, ''),
  ('00000000-0000-4000-c000-000000000115', 'course', '00000000-0000-4000-a000-000000000001', '00000000-0000-4000-b000-000000000001', 'Team 5', null, ''),
  ('00000000-0000-4000-c000-000000000116', 'course', '00000000-0000-4000-a000-000000000001', '00000000-0000-4000-b000-000000000001', 'Team 6', null, ''),
  ('00000000-0000-4000-c000-000000000121', 'course', '00000000-0000-4000-a000-000000000001', '00000000-0000-4000-b000-000000000001', 'Field trip volunteers', null, 'Not part of any grouping.');

insert into public.groupings (id, course_id, name, idnumber, description, exclusive, signup_open, signup_size_limit, signup_closes_at, auto_leader) values
  ('00000000-0000-4000-c000-000000000201', '00000000-0000-4000-b000-000000000001', 'Lab sections', 'BIO101-LABS', 'Each learner attends one lab section.', true, false, null, null, 'none'),
  ('00000000-0000-4000-c000-000000000202', '00000000-0000-4000-b000-000000000001', 'Project teams', 'BIO101-TEAMS', 'Teams of four for the ecology project: pick your own.', true, true, 4, now() + interval '30 days', 'first');

insert into public.grouping_groups (grouping_id, group_id)
select '00000000-0000-4000-c000-000000000201'::uuid, ('00000000-0000-4000-c000-00000000010' || n)::uuid from generate_series(1, 4) n
union all
select '00000000-0000-4000-c000-000000000202'::uuid, ('00000000-0000-4000-c000-00000000011' || n)::uuid from generate_series(1, 6) n;

with bio as (
  select e.user_id, row_number() over (order by u.display_name, u.id) as n
  from public.enrolments e join public.users u on u.id = e.user_id
  where e.course_id = '00000000-0000-4000-b000-000000000001' and e.role = 'learner' and e.status = 'active'
    and e.user_id <> '00000000-0000-4000-9000-000000000036'
)
insert into public.group_members (group_id, user_id, source)
select ('00000000-0000-4000-c000-00000000010' || (1 + (n - 1) * 4 / (select count(*) from bio)))::uuid, user_id, 'auto'
from bio where n % 10 <> 0
union all
select '00000000-0000-4000-c000-000000000102', '00000000-0000-4000-9000-000000000036', 'manual';

with bio as (
  select e.user_id, row_number() over (order by e.user_id) as n
  from public.enrolments e
  where e.course_id = '00000000-0000-4000-b000-000000000001' and e.role = 'learner' and e.status = 'active'
    and e.user_id <> '00000000-0000-4000-9000-000000000036'
)
insert into public.group_members (group_id, user_id, source)
select ('00000000-0000-4000-c000-00000000011' || (1 + (n - 1) / 3))::uuid, user_id, 'self'
from bio where n <= 11;

insert into public.group_members (group_id, user_id, source) values
  ('00000000-0000-4000-c000-000000000121', '00000000-0000-4000-9000-000000000036', 'manual');
-- A study circle at Northfield with a conversation in its general channel (channels are made by
-- the groups trigger), so the chat has something to show: Inès leads it, Maya is a member.
insert into public.groups (id, scope, organisation_id, kind, name, description, created_by) values
  ('00000000-0000-4000-c000-000000000001', 'organisation', '00000000-0000-4000-a000-000000000001',
   'study group', 'BIO101 Study Circle', 'Weekly revision for Foundations of Biology.',
   '00000000-0000-4000-8000-000000000011');

insert into public.group_members (group_id, user_id, role)
select '00000000-0000-4000-c000-000000000001'::uuid, ('00000000-0000-4000-9000-' || lpad(i::text, 12, '0'))::uuid, 'member'
from generate_series(30, 42) as i
union all
select '00000000-0000-4000-c000-000000000001'::uuid, '00000000-0000-4000-8000-000000000021'::uuid, 'leader';

insert into public.messages (channel_id, author_id, client_id, body)
select c.id, m.author::uuid, gen_random_uuid(), m.body
from public.channels c,
  (values
    (1, '00000000-0000-4000-8000-000000000021', 'Welcome to the study circle! We meet on **Thursdays at 17:00** in room B2.'),
    (2, '00000000-0000-4000-9000-000000000036', 'Thanks! Is the cell biology quiz open-book?'),
    (3, '00000000-0000-4000-8000-000000000021', 'No, closed book. The _practice quiz_ is open until Friday.'),
    (4, '00000000-0000-4000-9000-000000000031', '@Maya Zhang I made flashcards for chapter 3, happy to share: https://example.org/flashcards'),
    (5, '00000000-0000-4000-9000-000000000036', 'Yes please! Does anyone remember what `ATP synthase` does?')
  ) as m (n, author, body)
where c.group_id = '00000000-0000-4000-c000-000000000001' and c.name = 'general'
order by m.n;

-- Announcements and a library for the study circle: a pinned welcome and a note from Inès, and
-- links in folders (files need the blob store, so the demo has links only).
insert into public.announcements (group_id, author_id, title, body, pinned, publish_at, published_at) values
  ('00000000-0000-4000-c000-000000000001', '00000000-0000-4000-8000-000000000021',
   'Welcome to the study circle',
   E'We meet every Thursday at 17:00 in room B2.\nBring one question from this week''s lecture.',
   true, now() - interval '6 days', now() - interval '6 days'),
  ('00000000-0000-4000-c000-000000000001', '00000000-0000-4000-8000-000000000021',
   'Past papers are in Resources',
   'The 2025 mid-term paper is in the Past papers folder. Try it before Thursday.',
   false, now() - interval '1 day', now() - interval '1 day');

insert into public.resources (group_id, kind, title, description, url, folder, tags, added_by, created_at) values
  ('00000000-0000-4000-c000-000000000001', 'link', 'Cell biology animations',
   'Short animations of mitosis and meiosis.', 'https://www.khanacademy.org/science/biology',
   'Week 1', '{cells,video}', '00000000-0000-4000-8000-000000000021', now() - interval '5 days'),
  ('00000000-0000-4000-c000-000000000001', 'link', 'Mid-term 2025 (past paper)', '',
   'https://example.org/bio101/midterm-2025.pdf', 'Past papers', '{exam}',
   '00000000-0000-4000-8000-000000000021', now() - interval '1 day'),
  ('00000000-0000-4000-c000-000000000001', 'link', 'Genetics flashcards',
   '60 cards on chapter 3.', 'https://example.org/flashcards',
   'Week 2', '{genetics,revision}', '00000000-0000-4000-9000-000000000031', now() - interval '3 hours');
-- Progress (issue 6): activities, completions and course views spread over the last weeks, so
-- dashboards and charts have something to show. Learners whose number is a multiple of 6 (Maya
-- Zhang, 36, among them) have not started anything; others progress at different speeds.
update public.enrolments set enrolled_at = now() - make_interval(days => 40 + substr(user_id::text, 25)::int % 7);
update public.users set idnumber = 'L-' || lpad(substr(id::text, 25)::int::text, 4, '0')
where email like '%@learners.test';

insert into public.activities (id, course_id, idnumber, title, type, due_at, self_completion, max_score, position, description) values
  ('00000000-0000-4000-e000-000000000101', '00000000-0000-4000-b000-000000000001', 'bio101-welcome', 'Welcome and course map', 'page', null, true, null, 1, 'How the course works, and where to find help.'),
  ('00000000-0000-4000-e000-000000000102', '00000000-0000-4000-b000-000000000001', 'bio101-cells', 'Reading: the cell', 'page', now() - interval '20 days', true, null, 2, 'Chapter 2 of the course notes.'),
  ('00000000-0000-4000-e000-000000000103', '00000000-0000-4000-b000-000000000001', 'bio101-lab1', 'Microscopy lab report', 'assignment', now() - interval '10 days', false, 20, 3, 'Submit your drawings and observations.'),
  ('00000000-0000-4000-e000-000000000104', '00000000-0000-4000-b000-000000000001', 'bio101-quiz1', 'Quiz 1: cells', 'quiz', now() - interval '3 days', false, 100, 4, 'Twenty questions, thirty minutes.'),
  ('00000000-0000-4000-e000-000000000105', '00000000-0000-4000-b000-000000000001', 'bio101-genetics', 'Video: genes and inheritance', 'video', now() + interval '4 days', true, null, 5, ''),
  ('00000000-0000-4000-e000-000000000106', '00000000-0000-4000-b000-000000000001', 'bio101-essay', 'Essay: evidence for evolution', 'assignment', now() + interval '14 days', false, 50, 6, '1,500 words.'),
  ('00000000-0000-4000-e000-000000000201', '00000000-0000-4000-b000-000000000002', 'his210-intro', 'Introduction: 1789', 'page', null, true, null, 1, ''),
  ('00000000-0000-4000-e000-000000000202', '00000000-0000-4000-b000-000000000002', 'his210-source1', 'Source analysis: the Declaration', 'assignment', now() - interval '7 days', false, 30, 2, ''),
  ('00000000-0000-4000-e000-000000000203', '00000000-0000-4000-b000-000000000002', 'his210-map', 'Interactive map: Napoleonic Europe', 'external', now() + interval '7 days', true, null, 3, ''),
  ('00000000-0000-4000-e000-000000000204', '00000000-0000-4000-b000-000000000002', 'his210-quiz', 'Quiz: revolutions', 'quiz', now() + interval '10 days', false, 100, 4, ''),
  ('00000000-0000-4000-e000-000000000301', '00000000-0000-4000-b000-000000000003', 'dat150-charts', 'Reading charts critically', 'page', now() - interval '12 days', true, null, 1, ''),
  ('00000000-0000-4000-e000-000000000302', '00000000-0000-4000-b000-000000000003', 'dat150-sheet', 'Spreadsheet exercise', 'assignment', now() - interval '2 days', false, 10, 2, ''),
  ('00000000-0000-4000-e000-000000000303', '00000000-0000-4000-b000-000000000003', 'dat150-stats', 'Video: averages and spread', 'video', now() + interval '5 days', true, null, 3, '');

-- Each learner completes activities in order, up to a pace of their own, over the last 30 days.
insert into public.completions (activity_id, user_id, course_id, completed_at, score, scored_at, source, recorded_by)
select a.id, e.user_id, e.course_id,
  now() - make_interval(days => greatest(0, 30 - a.position * 5 - (n % 5)), hours => n % 24),
  case when a.max_score is not null then round(a.max_score * (0.45 + ((n * 37 + a.position * 11) % 55) / 100.0)) end,
  case when a.max_score is not null then now() - make_interval(days => greatest(0, 30 - a.position * 5 - (n % 5))) end,
  case when a.self_completion then 'self' else 'staff' end,
  case when a.self_completion then e.user_id else (select s.user_id from public.enrolments s
    where s.course_id = e.course_id and s.role = 'instructor' limit 1) end
from public.enrolments e
join lateral (select substr(e.user_id::text, 25)::int as n) p on true
join public.activities a on a.course_id = e.course_id
where e.role = 'learner' and n % 6 <> 0 and a.position <= 1 + (n * 7) % 5;

insert into public.learner_events (user_id, course_id, kind, occurred_at)
select e.user_id, e.course_id, case when k % 3 = 0 then 'post' else 'course_view' end,
  now() - make_interval(days => (n * 3 + k * 5) % 25, hours => k)
from public.enrolments e
join lateral (select substr(e.user_id::text, 25)::int as n) p on true,
  generate_series(1, 3) k
where e.role = 'learner' and e.status = 'active' and n % 6 <> 0 and n % 7 <> 0;

-- A mentor group at Northfield: Sofia Ricci leads 24 first-years across their courses.
insert into public.groups (id, scope, organisation_id, kind, name, description, visibility, created_by) values
  ('00000000-0000-4000-f000-000000000001', 'organisation', '00000000-0000-4000-a000-000000000001', 'cohort',
   'Mentor group A', 'First-years mentored by Sofia Ricci.', 'members', '00000000-0000-4000-8000-000000000011');
insert into public.groups (id, scope, organisation_id, parent_id, kind, name, visibility, created_by) values
  ('00000000-0000-4000-f000-000000000002', 'organisation', '00000000-0000-4000-a000-000000000001',
   '00000000-0000-4000-f000-000000000001', 'group', 'Mentor group A — Tuesday', 'members', '00000000-0000-4000-8000-000000000011');
insert into public.group_members (group_id, user_id, role) values
  ('00000000-0000-4000-f000-000000000001', '00000000-0000-4000-8000-000000000031', 'leader');
insert into public.group_members (group_id, user_id)
select case when i <= 36 then '00000000-0000-4000-f000-000000000001'::uuid else '00000000-0000-4000-f000-000000000002'::uuid end,
  ('00000000-0000-4000-9000-' || lpad(i::text, 12, '0'))::uuid
from generate_series(25, 48) i;

-- Learner groups are on in HIS210, with a dynamic group the cadence job fills within a minute.
insert into public.course_progress_settings (course_id, learner_groups_enabled, inactive_days) values
  ('00000000-0000-4000-b000-000000000002', true, 7);
insert into public.groups (id, scope, organisation_id, course_id, kind, name, description, visibility, membership_mode, messaging_enabled, created_by) values
  ('00000000-0000-4000-f000-000000000011', 'course', '00000000-0000-4000-a000-000000000001', '00000000-0000-4000-b000-000000000002',
   'learner-group', 'Behind: under 40 %', 'Active learners below 40 % progress.', 'hidden', 'rule', false, '00000000-0000-4000-8000-000000000022');
insert into public.learner_group_criteria (group_id, course_id, criteria, refresh_mode, cadence_minutes, depends_on, created_by) values
  ('00000000-0000-4000-f000-000000000011', '00000000-0000-4000-b000-000000000002',
   '{"all":[{"type":"enrolment","role":"learner","status":"active","negate":false},{"type":"progress","op":"below","percent":40,"negate":false}]}',
   'dynamic', 60, '{completions,enrolments,groups}', '00000000-0000-4000-8000-000000000022');

-- A message Tomáš Novák sent to "Behind: under 40 %" (issue 6 §5): HIS210's learners with no
-- progress at all (Maya among them) are its members; the message is an announcement in the group,
-- already published, linked from its intervention. Maya reads it on HIS210's Activities page as a
-- new message from the course team, never the group's name; one recipient has already seen it.
insert into public.group_members (group_id, user_id, role, source)
select '00000000-0000-4000-f000-000000000011', e.user_id, 'member', 'rule'
from public.enrolments e
where e.course_id = '00000000-0000-4000-b000-000000000002' and e.role = 'learner' and e.status = 'active'
  and substr(e.user_id::text, 25)::int % 6 = 0;
insert into public.announcements (id, group_id, author_id, title, body, publish_at, published_at, created_at) values
  ('00000000-0000-4000-d000-000000000501', '00000000-0000-4000-f000-000000000011', '00000000-0000-4000-8000-000000000022',
   'Catching up on HIS210',
   E'Hello,\n\nthe first source analysis was due last week. If something is in the way, reply to this email or come to office hours on Thursday at 2 pm (room H-204).\n\nTomáš',
   now() - interval '2 days', now() - interval '2 days', now() - interval '2 days');
insert into public.interventions (id, group_id, group_name, course_id, sent_by, subject, body, recipient_count, emailed_count, announcement_id, created_at)
select '00000000-0000-4000-d000-000000000601', a.group_id, '', '00000000-0000-4000-b000-000000000002', a.author_id,
  a.title, a.body, (select count(*) from public.group_members where group_id = a.group_id),
  (select count(*) from public.group_members where group_id = a.group_id), a.id, a.created_at
from public.announcements a where a.id = '00000000-0000-4000-d000-000000000501';
insert into public.intervention_recipients (intervention_id, user_id, course_id, email_status)
select '00000000-0000-4000-d000-000000000601', m.user_id, '00000000-0000-4000-b000-000000000002', 'sent'
from public.group_members m where m.group_id = '00000000-0000-4000-f000-000000000011';
insert into public.announcement_views (announcement_id, user_id)
select '00000000-0000-4000-d000-000000000501', m.user_id
from public.group_members m where m.group_id = '00000000-0000-4000-f000-000000000011'
  and m.user_id <> '00000000-0000-4000-9000-000000000036'
order by m.user_id limit 1;

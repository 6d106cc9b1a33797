-- The signed-in user of a session, written with its data by the session store
-- (app.SessionStore), so a request reads its session and its user with the
-- memberships in one round trip. NULL: nobody is signed in, or the session
-- was saved before this column existed (its user is then read on its own).
ALTER TABLE sessions ADD COLUMN user_id bigint REFERENCES users (id) ON DELETE CASCADE;

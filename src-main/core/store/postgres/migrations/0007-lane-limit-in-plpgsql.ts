// PostgreSQL shared schema, version 7: a lane's limit is looked up by a PL/pgSQL function. The SQL
// function of version 1 was planned again on every call from PL/pgSQL (one call per busy lane and
// per candidate of every claim): 84-108 µs a call, measured with track_functions; now 4-5 µs.
// Released, so frozen: never edit it (migrations.test.ts holds its hash); add a new version.
export const migration0007 = Object.freeze({
  version: 7,
  name: 'lane limit in plpgsql',
  sql: `
      -- Same signature and answers as version 1's: the exact lane's limit, else the first pattern
      -- (in the order given) the lane is LIKE, else 1.
      CREATE OR REPLACE FUNCTION jobdeck.lane_limit(p_lane text, p_exact jsonb, p_patterns jsonb) RETURNS int
      LANGUAGE plpgsql IMMUTABLE AS $$
      DECLARE
        v_limit int;
        v_pattern jsonb;
      BEGIN
        v_limit := (p_exact ->> p_lane)::int;
        IF v_limit IS NOT NULL THEN RETURN v_limit; END IF;
        FOR v_pattern IN SELECT e.p FROM jsonb_array_elements(p_patterns) WITH ORDINALITY AS e (p, i) ORDER BY e.i LOOP
          IF p_lane LIKE v_pattern ->> 0 THEN RETURN (v_pattern ->> 1)::int; END IF;
        END LOOP;
        RETURN 1;
      END $$;
    `,
})

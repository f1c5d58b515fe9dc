-- The statement of a GetContribution (store::contributions, Kept::SELECT with the version in
-- force now), for `pgbench -M prepared -f` against a bench database of 10,000 contributions.
\set n random(0, 9999)
SELECT c.id, c.donor_id, c.funding_type, c.currency_code, c.created_at, v.revision,
       v.valid_from, v.earmarking_category, v.earmarking_modality, v.programme_id,
       v.earmarked_to, v.status, v.total, v.agreement_date, v.period_start, v.period_end,
       v.announced_session_id, v.description,
       ARRAY(SELECT i.due_date FROM installments i
              WHERE i.contribution_id = c.id AND i.revision = v.revision
              ORDER BY i.position) AS due_dates,
       ARRAY(SELECT i.amount FROM installments i
              WHERE i.contribution_id = c.id AND i.revision = v.revision
              ORDER BY i.position) AS amounts
  FROM contributions c JOIN contribution_versions v ON v.contribution_id = c.id
 WHERE (c.id) = ('c-' || lpad(:n::text, 7, '0')) AND v.valid_to IS NULL;

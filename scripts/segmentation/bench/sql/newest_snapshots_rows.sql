-- Rows of the newest $snapshots snapshots: what an incremental run that adds the new snapshot and recomputes
-- the floor of built ones (rfm_lookback_periods) writes at the least.
select count(*) as newest_rows
from $model
where snapshot_date in (
    select distinct snapshot_date from $model
    order by snapshot_date desc
    limit $snapshots
)

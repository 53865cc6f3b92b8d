select
    count(*) as history_rows,
    count(distinct snapshot_date) as snapshots
from $model

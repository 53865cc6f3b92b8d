select cast(max(computed_at) as varchar) as latest_computed_at
from $model

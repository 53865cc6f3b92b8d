{{ config(
    materialized='incremental',
    on_schema_change='fail',
    pre_hook="{{ customer_segmentation.window_engine_drop_removed_snapshots(ref('int_rfm_periods')) }}",
    **customer_segmentation.family_history_incremental_config()
) }}
{#- Per customer and snapshot, how every trailing-window total changes: activity dated in the period enters,
    activity whose window has passed leaves (int_window_date_edges says where). Rolling these changes forward
    per customer (int_customer_snapshot_windows) gives each snapshot's totals at a cost linear in active
    customer-days plus customers x periods. Purchase days (days with a completed order) and their net revenue,
    the latest completed order, active and event day, the first purchase day and the customer's start never
    leave. Incremental runs rebuild only the snapshots from the earliest one whose inputs changed
    (int_window_input_fingerprints, macros/window_engine.sql), reading only the dates that enter or leave a
    window there; every row keeps its snapshot's inputs fingerprint, which the next run compares. -#}
{%- set money = customer_segmentation.money_type() -%}
{#- No floor: a snapshot's change rows depend on nothing but its inputs, which the fingerprint covers. -#}
{%- set plan = customer_segmentation.window_engine_plan(
    ref('int_window_input_fingerprints'), ref('int_rfm_periods'), lookback=0, compare_as_of=false
) -%}
{%- set start = plan.start_snapshot_date -%}
{#- Each window total's change column, and the latest-value columns a change row sets (their type). -#}
{%- set total_types = {
    'rfm_frequency': 'integer',
    'rfm_monetary': money,
    'purchase_days': 'integer',
    'purchase_days_revenue': money,
    'events': 'integer',
    'core_actions': 'integer',
    'active_weeks': 'integer',
    'revenue': money,
    'gross_revenue': money,
    'refunded_revenue': money,
    'recent_revenue': money,
    'prior_revenue': money,
} -%}
{%- set totals = total_types.keys() | list -%}
{%- set latest = {
    'last_order_date': 'date',
    'last_activity_date': 'date',
    'last_event_date': 'date',
    'first_order_date': 'date',
    'first_purchase_day_revenue': money,
    'customer_since_date': 'date',
} -%}
{#- The edges of the windows: where a row enters or leaves them, and what it changes there (every other total
    changes by 0 and every other latest value is null). `only_when` skips rows that change nothing. -#}
{%- set window_edges = [
    {
        'why': 'Entering every window at once. Recency looks at every completed order, in a window or not; a refund-only day is neither a purchase nor activity.',
        'source': 'day_changes',
        'snapshot': 'entering_snapshot_date',
        'changes': {
            'rfm_frequency': 'completed_orders',
            'rfm_monetary': 'net_revenue',
            'purchase_days': 'case when completed_orders > 0 then 1 else 0 end',
            'purchase_days_revenue': 'case when completed_orders > 0 then net_revenue else 0 end',
            'events': 'events',
            'core_actions': 'core_actions',
            'revenue': 'net_revenue',
            'gross_revenue': 'gross_revenue',
            'refunded_revenue': 'refunded_revenue',
            'recent_revenue': 'net_revenue',
        },
        'latest': {
            'last_order_date': 'case when completed_orders > 0 then activity_date end',
            'last_activity_date': 'case when is_active_day then activity_date end',
            'last_event_date': 'case when events > 0 then activity_date end',
        },
    },
    {
        'why': 'Leaving the RFM window.',
        'source': 'day_changes',
        'snapshot': 'leaving_rfm_snapshot_date',
        'only_when': 'order_rows > 0',
        'changes': {'rfm_frequency': '-1 * completed_orders', 'rfm_monetary': '-1 * net_revenue'},
    },
    {
        'why': 'Leaving the behaviour window.',
        'source': 'day_changes',
        'snapshot': 'leaving_behaviour_snapshot_date',
        'only_when': 'events > 0',
        'changes': {'events': '-1 * events', 'core_actions': '-1 * core_actions'},
    },
    {
        'why': 'Leaving the value window.',
        'source': 'day_changes',
        'snapshot': 'leaving_value_snapshot_date',
        'only_when': 'order_rows > 0',
        'changes': {
            'revenue': '-1 * net_revenue',
            'gross_revenue': '-1 * gross_revenue',
            'refunded_revenue': '-1 * refunded_revenue',
        },
    },
    {
        'why': 'Leaving the recent trend window is entering the prior one.',
        'source': 'day_changes',
        'snapshot': 'leaving_recent_snapshot_date',
        'only_when': 'order_rows > 0',
        'changes': {'recent_revenue': '-1 * net_revenue', 'prior_revenue': 'net_revenue'},
    },
    {
        'why': 'Leaving the prior trend window.',
        'source': 'day_changes',
        'snapshot': 'leaving_prior_snapshot_date',
        'only_when': 'order_rows > 0',
        'changes': {'prior_revenue': '-1 * net_revenue'},
    },
    {
        'why': 'Active weeks entering the behaviour window.',
        'source': 'week_changes',
        'snapshot': 'entering_snapshot_date',
        'changes': {'active_weeks': '1'},
    },
    {
        'why': 'Active weeks leaving it.',
        'source': 'week_changes',
        'snapshot': 'leaving_behaviour_snapshot_date',
        'changes': {'active_weeks': '-1'},
    },
    {
        'why': 'The first purchase day, at the snapshot it enters.',
        'source': 'first_purchase_day_changes',
        'snapshot': 'entering_snapshot_date',
        'changes': {},
        'latest': {
            'first_order_date': 'first_order_date',
            'first_purchase_day_revenue': 'first_purchase_day_revenue',
        },
    },
    {
        'why': "The start marker: a customer's rows begin at the first snapshot whose as-of date reaches their start.",
        'source': 'customer_start_changes',
        'snapshot': 'entering_snapshot_date',
        'changes': {},
        'latest': {'customer_since_date': 'customer_since_date'},
    },
] -%}

with

customers as (

    select * from {{ ref('stg_customers') }}

),

daily_activity as (

    select * from {{ ref('int_customer_daily_activity') }}

),

date_edges as (

    select * from {{ ref('int_window_date_edges') }}

),

input_fingerprints as (

    select * from {{ ref('int_window_input_fingerprints') }}

),

recomputed_date_edges as (

    -- Only the dates that enter or leave a window at a recomputed snapshot are read again.
    select * from date_edges
    {%- if start %}
    where entering_snapshot_date >= {{ customer_segmentation.window_engine_date(start) }}
        {%- for window in customer_segmentation.window_engine_windows() %}
        or leaving_{{ window }}_snapshot_date >= {{ customer_segmentation.window_engine_date(start) }}
        {%- endfor %}
    {%- endif %}

),

customer_start_candidates as (

    select
        customer_id,
        {{ customer_segmentation.to_date('created_at') }} as start_date
    from customers
    where created_at is not null

    union all

    select
        customer_id,
        min(activity_date) as start_date
    from daily_activity
    group by customer_id

),

customer_starts as (

    -- A customer starts at sign-up, or at their first day with events or orders when that is earlier or
    -- sign-up is unknown.
    select
        customer_id,
        min(start_date) as customer_since_date
    from customer_start_candidates
    group by customer_id

),

first_order_dates as (

    select
        customer_id,
        min(activity_date) as first_order_date
    from daily_activity
    where completed_orders > 0
    group by customer_id

),

first_purchase_days as (

    -- The first purchase day never changes once a customer has one, so it enters once with its revenue.
    select
        daily_activity.customer_id,
        daily_activity.activity_date as first_order_date,
        daily_activity.net_revenue as first_purchase_day_revenue
    from daily_activity
    inner join first_order_dates
        on daily_activity.customer_id = first_order_dates.customer_id
        and daily_activity.activity_date = first_order_dates.first_order_date

),

day_changes as (

    select
        daily_activity.*,
        recomputed_date_edges.entering_snapshot_date,
        recomputed_date_edges.leaving_rfm_snapshot_date,
        recomputed_date_edges.leaving_behaviour_snapshot_date,
        recomputed_date_edges.leaving_value_snapshot_date,
        recomputed_date_edges.leaving_recent_snapshot_date,
        recomputed_date_edges.leaving_prior_snapshot_date
    from daily_activity
    inner join recomputed_date_edges
        on daily_activity.activity_date = recomputed_date_edges.window_date

),

active_weeks as (

    -- A calendar week (Monday start) counts as active in the behaviour window when any of its event days is
    -- inside. Its event days lie within six days of each other and the window is at least seven long, so the
    -- week is inside from the snapshot its first event day enters until the one its last event day leaves.
    select
        customer_id,
        {{ customer_segmentation.period_start('activity_date', 'week') }} as week_start_date,
        min(activity_date) as first_event_date,
        max(activity_date) as last_event_date
    from daily_activity
    where events > 0
    group by
        customer_id,
        {{ customer_segmentation.period_start('activity_date', 'week') }}

),

week_changes as (

    select
        active_weeks.customer_id,
        entering.entering_snapshot_date,
        leaving.leaving_behaviour_snapshot_date
    from active_weeks
    inner join date_edges as entering
        on active_weeks.first_event_date = entering.window_date
    inner join date_edges as leaving
        on active_weeks.last_event_date = leaving.window_date

),

first_purchase_day_changes as (

    select
        first_purchase_days.*,
        date_edges.entering_snapshot_date
    from first_purchase_days
    inner join date_edges
        on first_purchase_days.first_order_date = date_edges.window_date

),

customer_start_changes as (

    select
        customer_starts.*,
        date_edges.entering_snapshot_date
    from customer_starts
    inner join date_edges
        on customer_starts.customer_since_date = date_edges.window_date

),

window_changes as (
    {%- for edge in window_edges %}

    -- {{ edge.why }}
    select
        customer_id,
        {{ edge.snapshot }} as snapshot_date,
        {%- for total in totals %}
        {{ edge.changes.get(total, 0) }} as {{ total }}_change,
        {%- endfor %}
        -- The loop closes on the last column's line: sqlfluff (LT02) misreads a closing tag on its own line there.
        {%- for column, type in latest.items() %}
        {{ edge.get('latest', {}).get(column, 'cast(null as ' ~ type ~ ')') }}
            as {{ column }}{% if not loop.last %},{% endif %}{% endfor %}
    from {{ edge.source }}
    where {{ edge.snapshot }} is not null
        {%- if start %}
        and {{ edge.snapshot }} >= {{ customer_segmentation.window_engine_date(start) }}
        {%- endif %}
        {%- if edge.only_when %}
        and {{ edge.only_when }}
        {%- endif %}
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}

),

snapshot_changes as (

    select
        customer_id,
        snapshot_date,
        {%- for total in totals %}
        cast(sum({{ total }}_change) as {{ total_types[total] }}) as {{ total }}_change,
        {%- endfor %}
        -- The loop closes on the last column's line: sqlfluff (LT02) misreads a closing tag on its own line there.
        {%- for column, type in latest.items() %}
        cast(max({{ column }}) as {{ type }}) as {{ column }}{% if not loop.last %},{% endif %}{% endfor %}
    from window_changes
    group by
        customer_id,
        snapshot_date

),

final as (

    select
        snapshot_changes.*,
        input_fingerprints.inputs_fingerprint
    from snapshot_changes
    inner join input_fingerprints
        on snapshot_changes.snapshot_date = input_fingerprints.snapshot_date

)

select * from final

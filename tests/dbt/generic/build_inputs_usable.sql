{#- The build gate's input checks, attached to int_as_of_date: every mart, CRM table and the snapshot descend
    from it, so when this test fails `dbt build` skips all of them and what was published stays as it was.
    It stops the build, with a message saying what is wrong and what to do, when the inputs would empty or
    corrupt the published tables instead of crashing a model halfway:
    - no valid order at all (an empty raw table, or every row rejected);
    - no completed order (every order refunded or cancelled): no customer would have RFM history;
    - the as-of date before the first completed order (every CRM table would be empty) or after the build's
      run date (a snapshot would see the future);
    - the as-of date moved back before what an earlier build already stored in the incremental histories,
      without --full-refresh (the later snapshots would stay behind, the merge would mix two as-of dates).
    The failing row count is the number of problems found. -#}
{% test build_inputs_usable(model, orders_model, history_model) %}
{%- set problems = [] -%}
{#- ref() and source() outside the execute block, so dbt records them as the test's parents. -#}
{%- set orders = ref(orders_model) -%}
{%- set raw_orders = source('raw', 'orders') -%}
{%- if execute and adapter.get_relation(model.database, model.schema, model.identifier) is not none -%}
    {%- set checked = run_query(
        "select"
        ~ " (select count(*) from " ~ raw_orders ~ ") as raw_orders,"
        ~ " (select count(*) from " ~ orders ~ ") as valid_orders,"
        ~ " (select count(*) from " ~ orders ~ " where status = 'completed') as completed_orders,"
        ~ " (select count(*) from " ~ orders ~ " where status = 'refunded') as refunded_orders,"
        ~ " (select count(*) from " ~ orders ~ " where status = 'cancelled') as cancelled_orders,"
        ~ " " ~ dbt.cast("as_of.as_of_date", dbt.type_string()) ~ " as as_of_date,"
        ~ " " ~ dbt.cast("as_of.first_completed_order_date", dbt.type_string()) ~ " as first_completed_order_date,"
        ~ " " ~ dbt.cast("as_of.run_date", dbt.type_string()) ~ " as run_date,"
        ~ " case when as_of.as_of_date < as_of.first_completed_order_date then 1 else 0 end as before_first_order,"
        ~ " case when as_of.as_of_date > as_of.run_date then 1 else 0 end as after_run_date"
        ~ " from " ~ model ~ " as as_of"
    ).rows[0] -%}
    {%- set as_of_source = "var rfm_as_of_date" if var('rfm_as_of_date') not in [none, ''] else "the latest valid order date" -%}
    {%- if checked[1] == 0 -%}
        {%- if checked[0] == 0 -%}
            {%- do problems.append("the raw orders table " ~ raw_orders ~ " is empty: there is nothing to segment. Load the orders (var raw_schema names their schema) and build again") -%}
        {%- else -%}
            {%- do problems.append("all " ~ checked[0] ~ " raw order rows were rejected (see rejected_rows for the reasons): there is nothing to segment") -%}
        {%- endif -%}
    {%- elif checked[2] == 0 -%}
        {%- do problems.append("none of the " ~ checked[1] ~ " valid orders is completed (" ~ checked[3] ~ " refunded, " ~ checked[4] ~ " cancelled): no customer has RFM history, so every mart and CRM table would be empty. Check the status values the loader writes (completed, refunded, cancelled)") -%}
    {%- elif checked[8] == 1 -%}
        {%- do problems.append("the as-of date " ~ checked[5] ~ " (" ~ as_of_source ~ ") is before the first completed order (" ~ checked[6] ~ "): every CRM table would be empty and the snapshot would close every customer. Set rfm_as_of_date on or after " ~ checked[6] ~ ", or to null for the latest valid order date") -%}
    {%- endif -%}
    {%- if checked[9] == 1 -%}
        {%- do problems.append("the as-of date " ~ checked[5] ~ " (" ~ as_of_source ~ ") is after the build's run date " ~ checked[7] ~ ": a snapshot would see the future. Set rfm_as_of_date on or before " ~ checked[7] ~ ", or to null") -%}
    {%- endif -%}
    {%- if checked[5] is not none and not flags.FULL_REFRESH -%}
        {%- set history_node = graph.nodes.values() | selectattr('name', 'equalto', history_model) | selectattr('resource_type', 'equalto', 'model') | first -%}
        {%- set history = adapter.get_relation(history_node.database, history_node.schema, history_node.alias) -%}
        {%- if history is not none -%}
            {%- set stored = run_query(
                "select " ~ dbt.cast("max(as_of_date)", dbt.type_string()) ~ " as stored_as_of,"
                ~ " case when max(as_of_date) > " ~ dbt.cast("'" ~ checked[5] ~ "'", "date") ~ " then 1 else 0 end as moved_back"
                ~ " from " ~ history
            ).rows[0] -%}
            {%- if stored[1] == 1 -%}
                {%- do problems.append("the as-of date " ~ checked[5] ~ " (" ~ as_of_source ~ ") is before the as-of date " ~ stored[0] ~ " that " ~ history_model ~ " was already built to: an incremental run cannot move the as-of date back. Rebuild with --full-refresh (dbt build --full-refresh, or segmentation build --full-refresh), or set rfm_as_of_date to " ~ stored[0] ~ " or later") -%}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
{%- endif -%}
{%- if problems -%}
    {{ exceptions.raise_compiler_error(
        "Build gate: " ~ problems | join(" | ") ~ ". Nothing was published: every mart, CRM table and the snapshot stay as they were."
    ) }}
{%- endif %}

select 1 as problem
from {{ model }}
where 1 = 0

{% endtest %}

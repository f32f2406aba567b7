"""Indexes of the rows where a column has a value."""

from django.db import models


def indexed_where_set(field: str, name: str) -> models.Index:
    """An index of ``field`` over the rows where it is not NULL.

    For a link or a date most records lack (a camp, a place found in the directory, an
    exact day): a NULL entry would cost every new row an index insertion and serve no
    query, since every lookup on the field (``=``, ``<``, ``IN``) excludes NULL and so can
    use the partial index. An import writes hundreds of thousands of such rows.
    """
    return models.Index(fields=[field], condition=models.Q(**{f"{field}__isnull": False}),
                        name=name)

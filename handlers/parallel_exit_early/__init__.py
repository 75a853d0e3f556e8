"""Exit early out of a Parallel state (posts 002#8 and 003#20): ASL only, no Lambda code.

``either_or.asl.json``: the first of two processes to complete wins; ``quorum.asl.json``: 2 of 3 processes must
complete, counted in DynamoDB. A winning branch ends in a ``Fail`` state whose custom error the Parallel state's
``Catch`` turns into the next business step; Step Functions then stops the other branches. Each pattern has a
timeout branch.
"""

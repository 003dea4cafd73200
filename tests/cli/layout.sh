#!/usr/bin/env bash
# The layering of src/ (docs/architecture.md): tools/check_includes.py passes on the tree, and
# fails, naming the file, on a planted upward include and on a planted include circle.
. "$(dirname "$0")/lib.sh"
check=$SRC_DIR/tools/check_includes.py

expect_exit 0 python3 "$check" "$SRC_DIR/src"
expect_grep out.txt 'no circle, no upward include'

# A store that knows search: the circle this layout removed (store_turso borrowed search's types).
cp -r "$SRC_DIR/src" up
echo '#include "search.h"' >>up/store/store_sqlite.c
expect_exit 1 python3 "$check" up
expect_grep err.txt "store/store_sqlite.c includes search.h: layer 'store' may not include layer 'search'"

# A circle inside one layer is no upward include, but still a circle.
cp -r "$SRC_DIR/src" circle
echo '#include "source_text.h"' >>circle/library/idspec.h
echo '#include "idspec.h"' >>circle/library/source_text.h
expect_exit 1 python3 "$check" circle
expect_grep err.txt 'include circle: .*library/idspec.*library/source_text|include circle: .*library/source_text.*library/idspec'

# A folder the table does not know is named (a new layer must be placed, not guessed).
cp -r "$SRC_DIR/src" stray
mkdir stray/misc && printf '#include "msg.h"\n' >stray/misc/thing.c
expect_exit 1 python3 "$check" stray
expect_grep err.txt "folder 'misc' is not a layer"
finish

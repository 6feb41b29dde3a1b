// Round 43 (a newcomer): an import not found was "import 'obsc-lib.libsonnet' not found in tests/errors", naming
// neither -J/--jpath nor where it was looked for.
local lib = import 'obsc-lib.libsonnet';
lib.service('checkout')

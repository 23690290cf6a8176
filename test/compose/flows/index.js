// What the compose test's workers load (BATON_FLOWS=/flows): plain JavaScript, as a project that
// compiles its flows before building its own image would ship them.
'use strict';
module.exports = { ...require('./flows'), ...require('./tasks') };

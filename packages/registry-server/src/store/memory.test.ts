import { runAliasRaceSuite } from '../routes/alias-race.suite.js'
import { createMemoryStore } from './memory.js'
import { runStoreSuite } from './store.suite.js'

runStoreSuite('memory', () => createMemoryStore())
runAliasRaceSuite('memory', () => createMemoryStore())

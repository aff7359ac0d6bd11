import { createMemoryStore } from './memory.js'
import { runStoreSuite } from './store.suite.js'

runStoreSuite('memory', () => createMemoryStore())

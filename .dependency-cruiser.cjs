// Import rules checked by a tool, not by review (STYLE.md, "Shape of a service"):
// a service's domain is pure, services never import each other, libraries never import services.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'src/domain holds business rules only: no I/O, no frameworks, no app or adapters.',
      severity: 'error',
      from: { path: '^services/[^/]+/src/domain/', pathNot: '\\.test\\.ts$' },
      to: {
        pathNot: '^services/[^/]+/src/domain/',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'domain-imports-no-adapters-even-for-types',
      severity: 'error',
      from: { path: '^services/[^/]+/src/domain/' },
      to: { path: ['^services/[^/]+/src/(app|adapters)/'] },
    },
    {
      name: 'no-service-to-service-imports',
      comment: 'Services talk over gRPC and Kafka only; shared code lives in libs/.',
      severity: 'error',
      from: { path: '^services/([^/]+)/' },
      to: { path: '^services/', pathNot: '^services/$1/' },
    },
    {
      name: 'libs-do-not-import-services',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^services/' },
    },
    {
      name: 'app-does-not-import-main',
      comment: 'main.ts is the composition root; nothing imports it.',
      severity: 'error',
      from: {},
      to: { path: '^services/[^/]+/src/main\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['node_modules', 'src/gen/'] },
    tsPreCompilationDeps: true,
    combinedDependencies: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'], conditionNames: ['import', 'default'] },
  },
};

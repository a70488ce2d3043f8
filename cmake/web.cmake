# web.cmake -- the playground (web/, TypeScript + Vite) built into build/web,
# where switchyard serves it from (web_root). npm installs the packages
# pinned in web/package-lock.json (npm ci) once, and again only when the lock
# changes; the page is rebuilt when its sources change.
find_program(SY_NPM npm REQUIRED)
set(SY_WEB_DIR ${CMAKE_SOURCE_DIR}/web)
file(GLOB_RECURSE SY_WEB_SOURCES CONFIGURE_DEPENDS ${SY_WEB_DIR}/src/*)
set(SY_WEB_STAMP ${CMAKE_BINARY_DIR}/web-node-modules.stamp)
add_custom_command(
  OUTPUT ${SY_WEB_STAMP}
  COMMAND ${SY_NPM} ci --no-audit --no-fund --loglevel=error
  COMMAND ${CMAKE_COMMAND} -E touch ${SY_WEB_STAMP}
  DEPENDS ${SY_WEB_DIR}/package.json ${SY_WEB_DIR}/package-lock.json
  WORKING_DIRECTORY ${SY_WEB_DIR}
  COMMENT "Installing the playground's pinned npm packages")
add_custom_command(
  OUTPUT ${CMAKE_BINARY_DIR}/web/index.html
  COMMAND ${SY_NPM} run --silent build -- --outDir ${CMAKE_BINARY_DIR}/web --emptyOutDir
          --logLevel warn
  DEPENDS ${SY_WEB_STAMP} ${SY_WEB_SOURCES} ${SY_WEB_DIR}/index.html
          ${SY_WEB_DIR}/vite.config.ts ${SY_WEB_DIR}/tsconfig.json
  WORKING_DIRECTORY ${SY_WEB_DIR}
  COMMENT "Building the playground (tsc, vite)")
add_custom_target(playground ALL DEPENDS ${CMAKE_BINARY_DIR}/web/index.html)

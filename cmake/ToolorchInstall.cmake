# Installation: headers, both libraries, toolorch.pc and a CMake package
# (find_package(toolorch) -> toolorch::toolorch, and toolorch::testing, the
# test kit, when the tools are built).
include(CMakePackageConfigHelpers)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/toolorch DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS toolorch EXPORT toolorchTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS toolorch_static ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
# The test kit (tools/testing), a library of its own: toolorch::testing.
if(TARGET toolorch_testing)
  set_target_properties(toolorch_testing PROPERTIES EXPORT_NAME testing)
  install(TARGETS toolorch_testing EXPORT toolorchTargets
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endif()
install(EXPORT toolorchTargets NAMESPACE toolorch::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/toolorch)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/toolorchConfig.cmake.in
  ${PROJECT_BINARY_DIR}/toolorchConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/toolorch)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/toolorchConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/toolorchConfig.cmake ${PROJECT_BINARY_DIR}/toolorchConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/toolorch)

# The .pc file finds its prefix from its own place, so an installed tree
# can be moved (and the consumer test can install into a temporary prefix).
file(RELATIVE_PATH TOOLORCH_PC_TO_PREFIX "${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig" "${CMAKE_INSTALL_PREFIX}")
string(REGEX REPLACE "/$" "" TOOLORCH_PC_TO_PREFIX "${TOOLORCH_PC_TO_PREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/pkgconfig/toolorch.pc.in ${PROJECT_BINARY_DIR}/toolorch.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/toolorch.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(TARGET toolorch_testing)
  configure_file(${PROJECT_SOURCE_DIR}/pkgconfig/toolorch-testing.pc.in ${PROJECT_BINARY_DIR}/toolorch-testing.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/toolorch-testing.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endif()

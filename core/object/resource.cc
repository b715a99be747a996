#include "core/object/resource.h"

namespace core {

kstd::Result<void> RequireResource(const HandleTable& table, HandleValue value, ResourceKind kind,
                                   Rights required) {
  auto object = table.GetTyped<Resource>(value, ObjectType::kResource, required);
  if (object.is_error() || object.value()->kind() != kind) return kstd::Error::kAccess;
  return kstd::Ok();
}

}  // namespace core
